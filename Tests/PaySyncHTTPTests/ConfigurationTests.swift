import Configuration
import Foundation
import Logging
import PaySyncCore
import PaySyncGateways
import PaySyncApp
import PaySyncHTTP
import PaySyncSandbox
import Synchronization
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func file(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("paysync-config-\(UUID().uuidString).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a flag beats the environment, which beats the file, which beats the default")
    func precedence() async throws {
        let file = try Self.file(#"{"http": {"port": 9000, "host": "0.0.0.0"}, "database": {"url": "file.sqlite"}}"#)
        let flags: [AbsoluteConfigKey: ConfigValue] = ["http.port": .init(.int(9200), isSecret: false)]
        let env = ["PAYSYNC_HTTP_PORT": "9100", "PAYSYNC_DATABASE_URL": "env.sqlite"]
        #expect(try await PaySyncConfiguration.load(flags: flags, environment: env, file: file).settings.port == 9200)
        let noFlag = try await PaySyncConfiguration.load(flags: [:], environment: env, file: file).settings
        #expect(noFlag.port == 9100)
        #expect(noFlag.database == "env.sqlite")
        #expect(noFlag.host == "0.0.0.0")
        #expect(try await PaySyncConfiguration.load(flags: [:], environment: [:], file: file).settings.port == 9000)
        let defaults = try await PaySyncConfiguration.load(flags: [:], environment: [:], file: nil).settings
        #expect(defaults.port == 8080)
        #expect(defaults.database == "paysync.sqlite")
        #expect(defaults.apiToken == nil)
    }

    @Test("the token comes from PAYSYNC_API_TOKEN; arrays from comma lists; the ladder from the file")
    func values() async throws {
        let file = try Self.file(#"{"reconciler": {"ladderSeconds": [1, 2, 3]}, "currencies": {"assets": ["USDT:6", "USDC:6"]}}"#)
        let env = ["PAYSYNC_API_TOKEN": "s3cret", "PAYSYNC_ACCOUNTS": "shop-a,shop-b"]
        let settings = try await PaySyncConfiguration.load(flags: [:], environment: env, file: file).settings
        #expect(settings.apiToken == "s3cret")
        #expect(settings.accounts == ["shop-a", "shop-b"])
        let policy = try settings.orderPolicy()
        #expect(policy.ladder == PollLadder(offsetsMilliseconds: [1_000, 2_000, 3_000]))
        #expect(policy.currencies.currency(code: "USDC")?.exponent == 6)
        #expect(policy.accounts.count == 2)
    }

    @Test("the reconciler's lease and backoff come from the file, in seconds; the database may be a postgres:// URL")
    func reconcilerSettings() async throws {
        let file = try Self.file(
            #"{"reconciler": {"leaseSeconds": 3, "backoffSeconds": [1, 2]}, "database": {"url": "postgres://paysync@db.internal:5433/pay?schema=shop"}}"#)
        let settings = try await PaySyncConfiguration.load(flags: [:], environment: [:], file: file).settings
        #expect(settings.reconcilerPolicy.leaseMilliseconds == 3_000)
        #expect(settings.reconcilerPolicy.failureBackoffMilliseconds == [1_000, 2_000])
        #expect(settings.database == "postgres://paysync@db.internal:5433/pay?schema=shop")
        let defaults = PaySyncConfiguration()
        #expect(defaults.reconcilerPolicy.leaseMilliseconds == 30_000)
        #expect(defaults.reconcilerPolicy.failureBackoffMilliseconds == [5_000, 15_000, 30_000, 60_000, 300_000])
    }

    @Test("a gateway's numbers and booleans are read as JSON numbers and booleans from the file, and as text from the environment")
    func typedGatewayValues() async throws {
        let file = try Self.file(#"""
            {"gateways": {"payzapp": {"baseURL": "http://127.0.0.1:9/payzapp", "merchantNumber": "MNO1", "accessKey": "AK1",
              "secrets": ["00112233445566778899aabbccddeeff"], "timestampWindowSeconds": 86400, "signBody": false}}}
            """#)
        func payZApp(_ environment: [String: String]) async throws -> PayZAppConfiguration? {
            let settings = try await PaySyncConfiguration.load(flags: [:], environment: environment, file: file).settings
            let directory = try settings.gateways.directory(accounts: [.default], currencies: .standard)
            return (directory.adapter(try ProviderID("payzapp")) as? PayZAppAdapter)?.configuration
        }
        let fromFile = try #require(try await payZApp([:]))
        #expect(fromFile.timestampWindowSeconds == 86_400)
        #expect(fromFile.signBody == false)
        let fromEnvironment = try #require(
            try await payZApp(["PAYSYNC_GATEWAYS_PAYZAPP_TIMESTAMP_WINDOW_SECONDS": "60", "PAYSYNC_GATEWAYS_PAYZAPP_SIGN_BODY": "true"]))
        #expect(fromEnvironment.timestampWindowSeconds == 60)
        #expect(fromEnvironment.signBody == true)
    }

    @Test("bad values are refused with the key named", arguments: [
        (#"{"reconciler": {"ladderSeconds": [30, 5]}}"#, "reconciler.ladderSeconds"),
        (#"{"currencies": {"assets": ["usdt"]}}"#, "currencies.assets"),
        (#"{"accounts": ["Shop A"]}"#, "accounts"),
    ])
    func refusesBadValues(_ json: String, _ key: String) async throws {
        let settings = try await PaySyncConfiguration.load(flags: [:], environment: [:], file: try Self.file(json)).settings
        #expect { try settings.orderPolicy() } throws: { ($0 as? ConfigurationError)?.description.hasPrefix(key) == true }
    }
}

@Suite("Configuration that refuses nonsense")
struct ConfigurationRefusalTests {
    static func refusal(_ json: String?, environment: [String: String] = [:]) async throws -> (message: String, file: String?) {
        let file = try json.map { try ConfigurationTests.file($0) }
        do {
            _ = try await PaySyncConfiguration.load(environment: environment, file: file)
        } catch let error as ConfigurationError {
            return (error.description, file)
        }
        Issue.record("the configuration was accepted")
        return ("", file)
    }

    @Test("a value of the wrong type in the file is refused with the key, the value and what was expected")
    func wrongTypeInFile() async throws {
        let (message, file) = try await Self.refusal(#"{"http": {"port": "abc"}}"#)
        #expect(message == #"http.port: "abc" in \#(file!) is not an integer"#)
    }

    @Test("PayZApp's secrets given as a string are refused as not an array, the value kept secret")
    func secretsAsString() async throws {
        let (message, file) = try await Self.refusal(#"{"gateways": {"payzapp": {"baseURL": "http://127.0.0.1:9", "secrets": "00ff"}}}"#)
        #expect(message == "gateways.payzapp.secrets: (secret) in \(file!) is not an array of strings")
    }

    @Test("a value of the wrong type in the environment is refused with the variable's name and value")
    func wrongTypeInEnvironment() async throws {
        let (message, _) = try await Self.refusal(nil, environment: ["PAYSYNC_HTTP_PORT": "abc", "PAYSYNC_RECONCILER_REFUND_PAID_AFTER_CLOSE": "maybe"])
        #expect(message == #"""
            http.port: PAYSYNC_HTTP_PORT="abc" is not an integer
            reconciler.refundPaidAfterClose: PAYSYNC_RECONCILER_REFUND_PAID_AFTER_CLOSE="maybe" is not true or false
            """#)
    }

    @Test("a key PaySync does not read is refused, misspelled or nested wrongly")
    func unknownKeys() async throws {
        let (message, file) = try await Self.refusal(#"{"http": {"prot": 9000}, "reconciler": {"ladder": [5]}, "gateways": {"codepay": "x"}}"#)
        #expect(message == """
            gateways.codepay: not a PaySync key (\(file!)); docs/configuration.md lists every key
            http.prot: not a PaySync key (\(file!)); docs/configuration.md lists every key
            reconciler.ladder: not a PaySync key (\(file!)); docs/configuration.md lists every key
            """)
    }

    @Test("values out of range are refused, every one of them at once, instead of clamped or overflowing")
    func outOfRange() async throws {
        let (message, _) = try await Self.refusal(#"""
            {"http": {"port": 70000}, "reconciler": {"leaseSeconds": 0, "backoffSeconds": []},
             "events": {"jitterPercent": 150, "disableAfterHours": 9223372036854775807, "timeoutSeconds": 30, "leaseSeconds": 20}}
            """#)
        #expect(message == """
            http.port: 70000 is not between 0 and 65535
            reconciler.leaseSeconds: 0 is not between 1 and 1000000000
            reconciler.backoffSeconds: [] is empty; give at least one value
            events.jitterPercent: 150 is not between 0 and 100
            events.disableAfterHours: 9223372036854775807 is not between 1 and 1000000000
            events.leaseSeconds: 20 is not above events.timeoutSeconds (30)
            """)
    }

    @Test("a PAYSYNC_ variable naming no key is a warning, not a refusal")
    func unknownEnvironmentVariable() async throws {
        let loaded = try await PaySyncConfiguration.load(environment: ["PAYSYNC_HTTP_PROT": "9000", "PAYSYNC_HTTP_PORT": "9001", "HOME": "/root"], file: nil)
        #expect(loaded.settings.port == 9001)
        #expect(loaded.warnings == ["PAYSYNC_HTTP_PROT: names no PaySync key; ignored"])
    }

    @Test("relative key file paths in the file name files beside it, whatever the working directory")
    func relativeKeyPaths() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("paysync-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("keys"), withIntermediateDirectories: true)
        let credentials = SandboxCredentials.generate()
        try credentials.merchantKey.privateKeyPEM.write(to: folder.appendingPathComponent("keys/merchant.pem"), atomically: true, encoding: .utf8)
        try credentials.gatewayKey.publicKeyPEM.write(to: folder.appendingPathComponent("keys/gateway.pem"), atomically: true, encoding: .utf8)
        let file = folder.appendingPathComponent("paysync.json").path
        try #"""
            {"gateways": {"codepay": {"baseURL": "http://127.0.0.1:9/codepay", "appID": "app-cp", "merchantNumber": "M100",
              "merchantKeyFile": "keys/merchant.pem", "gatewayKeyFiles": ["keys/gateway.pem"]}}}
            """#.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(FileManager.default.currentDirectoryPath != folder.path)
        let settings = try await PaySyncConfiguration.load(environment: [:], file: file).settings
        let directory = try settings.gateways.directory(accounts: [.default], currencies: .standard)
        #expect(directory.providers == [try ProviderID("codepay")])
    }

    @Test("every key PaySync reads is listed in docs/configuration.md")
    func everyKeyDocumented() async throws {
        let docs = try String(contentsOfFile: ConfigurationTests.repositoryRoot + "/docs/configuration.md", encoding: .utf8)
        let keys = try await PaySyncConfiguration.load(environment: [:], file: nil).keys
        #expect(keys.count > 40)
        let missing = keys.sorted().filter { key in
            if docs.contains("`\(key)`") { return false }
            // Gateway rows list `gateways.<gateway>.baseURL` then `.appID`, `.merchantNumber`, …
            let parts = key.split(separator: ".")
            guard parts.count == 3, parts[0] == "gateways" else { return true }
            let row = docs.split(separator: "\n").first { $0.contains("`gateways.\(parts[1]).baseURL`") }
            return row?.contains("`.\(parts[2])`") != true && row?.contains("`gateways.\(parts[1]).\(parts[2])`") != true
        }
        #expect(missing == [])
    }
}

@Suite("Log format")
struct LogFormatTests {
    @Test("json writes one object per line: time, level, label, message and the metadata, keys sorted")
    func jsonLine() {
        let lines = Mutex<[String]>([])
        var handler = JSONLogHandler(label: "paysync.ingestor", now: { Date(timeIntervalSince1970: 1_795_538_439.25) }, write: { line in lines.withLock { $0.append(line) } })
        handler[metadataKey: "paysync.provider"] = "payzapp"
        var logger = Logger(label: "paysync.ingestor") { _ in handler }
        logger.logLevel = .info
        logger.error("callbacks cannot be stored", metadata: ["paysync.inbox": "17", "error": "disk I/O error"])
        logger.debug("below the level")
        #expect(
            lines.withLock { $0 } == [
                #"{"error":"disk I/O error","label":"paysync.ingestor","level":"error","message":"callbacks cannot be stored","paysync.inbox":"17","paysync.provider":"payzapp","time":"2026-11-24T16:40:39.250Z"}"# + "\n"
            ])
    }

    @Test("log.format and log.level refuse what they do not know")
    func refusesUnknown() throws {
        var settings = PaySyncConfiguration()
        settings.logFormat = "xml"
        #expect(throws: ConfigurationError.self) { try settings.logHandlerFactory() }
        settings.logFormat = "json"
        settings.logLevel = "loud"
        #expect(throws: ConfigurationError.self) { try settings.logHandlerFactory() }
        settings.logLevel = "warning"
        #expect(try settings.logHandlerFactory()("x").logLevel == .warning)
    }
}

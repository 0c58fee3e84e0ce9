import Configuration
import Foundation
import Logging
import PaySyncCore
import PaySyncGateways
import PaySyncApp
import PaySyncHTTP
import Synchronization
import Testing

@Suite("Configuration")
struct ConfigurationTests {
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
        #expect(PaySyncConfiguration(reader: try await PaySyncConfiguration.reader(flags: flags, environment: env, file: file)).port == 9200)
        let noFlag = PaySyncConfiguration(reader: try await PaySyncConfiguration.reader(flags: [:], environment: env, file: file))
        #expect(noFlag.port == 9100)
        #expect(noFlag.database == "env.sqlite")
        #expect(noFlag.host == "0.0.0.0")
        #expect(PaySyncConfiguration(reader: try await PaySyncConfiguration.reader(flags: [:], environment: [:], file: file)).port == 9000)
        let defaults = PaySyncConfiguration(reader: try await PaySyncConfiguration.reader(flags: [:], environment: [:], file: nil))
        #expect(defaults.port == 8080)
        #expect(defaults.database == "paysync.sqlite")
        #expect(defaults.apiToken == nil)
    }

    @Test("the token comes from PAYSYNC_API_TOKEN; arrays from comma lists; the ladder from the file")
    func values() async throws {
        let file = try Self.file(#"{"reconciler": {"ladderSeconds": [1, 2, 3]}, "currencies": {"assets": ["USDT:6", "USDC:6"]}}"#)
        let env = ["PAYSYNC_API_TOKEN": "s3cret", "PAYSYNC_ACCOUNTS": "shop-a,shop-b"]
        let settings = PaySyncConfiguration(reader: try await PaySyncConfiguration.reader(flags: [:], environment: env, file: file))
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
        let settings = PaySyncConfiguration(reader: try await PaySyncConfiguration.reader(flags: [:], environment: [:], file: file))
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
            let settings = PaySyncConfiguration(reader: try await PaySyncConfiguration.reader(flags: [:], environment: environment, file: file))
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
        let settings = PaySyncConfiguration(reader: try await PaySyncConfiguration.reader(flags: [:], environment: [:], file: try Self.file(json)))
        #expect { try settings.orderPolicy() } throws: { ($0 as? ConfigurationError)?.description.hasPrefix(key) == true }
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

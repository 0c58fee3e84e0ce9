import Foundation
import Testing

/// `paysync check-config` and `paysync serve` as a user runs them, on a configuration with mistakes.
@Suite("check-config")
struct CheckConfigTests {
    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("paysync-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("check-config lists every problem and exits 1; serve refuses to start on the same file")
    func refusesNonsense() throws {
        let folder = try Self.folder()
        let config = folder.appendingPathComponent("paysync.json").path
        try #"{"api": {"token": "t"}, "http": {"port": "abc"}, "log": {"levle": "debug"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let later = folder.appendingPathComponent("later.json").path
        try #"{"log": {"level": "loud"}, "accounts": ["Shop A"]}"#.write(toFile: later, atomically: true, encoding: .utf8)
        let check = try PaySyncProcess.run(["check-config", "--config", config], environment: [:], directory: folder)
        #expect(check.status == 1)
        #expect(check.output == """
            paysync check-config: the configuration is refused:
            http.port: "abc" in \(config) is not an integer
            log.levle: not a PaySync key (\(config)); docs/configuration.md lists every key

            """)
        // Problems found once the values are read are listed together too.
        let checks = try PaySyncProcess.run(["check-config", "--config", later], environment: [:], directory: folder)
        #expect(checks.status == 1)
        #expect(checks.output == """
            paysync check-config: the configuration is refused:
            log.level: "loud" is not one of trace, debug, info, notice, warning, error, critical
            api.token: required (PAYSYNC_API_TOKEN or the file)
            accounts: account names are 1–32 characters of a–z, 0–9, "-" and "_"

            """)
        let serve = try PaySyncProcess.run(["serve", "--config", config], environment: [:], directory: folder)
        #expect(serve.status == 1)
        #expect(serve.output.contains(#"http.port: "abc" in \#(config) is not an integer"#))
        #expect(!serve.output.contains("listening"))
    }

    @Test("check-config accepts a sound file, warns of a PAYSYNC_ variable naming no key, hides the database password, and exits 0")
    func acceptsSoundFile() throws {
        let folder = try Self.folder()
        let config = folder.appendingPathComponent("paysync.json").path
        try #"{"api": {"token": "t"}, "accounts": ["shop-a"], "http": {"port": 9300}, "database": {"url": "postgres://paysync:s3cret@db:5432/pay"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let check = try PaySyncProcess.run(["check-config", "--config", config], environment: ["PAYSYNC_HTTP_PROT": "1"], directory: folder)
        #expect(check.status == 0)
        #expect(check.output == """
            warning: PAYSYNC_HTTP_PROT: names no PaySync key; ignored
            configuration OK
              accounts: shop-a
              gateways configured: none
              database: postgres://paysync:***@db:5432/pay
              listening on: 127.0.0.1:9300

            """)
    }
}

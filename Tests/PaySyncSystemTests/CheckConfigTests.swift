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
        let check = try PaySyncProcess.run(["check-config", "--config", config], environment: [:], directory: folder)
        #expect(check.status == 1)
        #expect(check.output == """
            paysync check-config: the configuration is refused:
            http.port: "abc" in \(config) is not an integer
            log.levle: not a PaySync key (\(config)); docs/configuration.md lists every key

            """)
        let serve = try PaySyncProcess.run(["serve", "--config", config], environment: [:], directory: folder)
        #expect(serve.status == 1)
        #expect(serve.output.contains(#"http.port: "abc" in \#(config) is not an integer"#))
        #expect(!serve.output.contains("listening"))
    }

    @Test("check-config accepts a sound file, warns of a PAYSYNC_ variable naming no key, and exits 0")
    func acceptsSoundFile() throws {
        let folder = try Self.folder()
        let config = folder.appendingPathComponent("paysync.json").path
        try #"{"api": {"token": "t"}, "accounts": ["shop-a"], "http": {"port": 9300}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let check = try PaySyncProcess.run(["check-config", "--config", config], environment: ["PAYSYNC_HTTP_PROT": "1"], directory: folder)
        #expect(check.status == 0)
        #expect(check.output == """
            warning: PAYSYNC_HTTP_PROT: names no PaySync key; ignored
            configuration OK
              accounts: shop-a
              gateways configured: none
              database: paysync.sqlite
              listening on: 127.0.0.1:9300

            """)
    }
}

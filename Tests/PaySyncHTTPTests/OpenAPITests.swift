import Foundation
import Hummingbird
import PaySyncHTTP
import Testing

/// The OpenAPI description against the routes the server really has, and against the server
/// itself through schemathesis (PyPI).
@Suite("OpenAPI description")
struct OpenAPITests {
    /// Routes served but not part of the described API: Prometheus' text, the description itself,
    /// and the console's HTML pages (for people in a browser, not for generated clients).
    static let undescribed: Set<String> = ["GET /metrics", "GET /openapi.json"]

    static func described(_ route: String) -> Bool {
        !undescribed.contains(route) && !route.hasPrefix("GET /console") && !route.hasPrefix("POST /console")
    }

    static func describedOperations() throws -> Set<String> {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(try OpenAPIDocument.bytes())) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        return Set(paths.flatMap { path, item in item.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" } })
    }

    @Test("every route the router has is described, and every described operation is a route")
    func routesMatchDescription() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let router = client.instance.router(apiToken: APIHarness.token)
            let routes = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" }.filter(Self.described))
            let described = try Self.describedOperations()
            #expect(routes.subtracting(described).sorted() == [], "routes the description lacks")
            #expect(described.subtracting(routes).sorted() == [], "described operations no route serves")
            #expect(described.count == 31)
        }
    }

    @Test("GET /openapi.json serves the description, OpenAPI 3.1, without a token")
    func served() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let answer = try await client.request(.get, "/openapi.json", token: nil)
            #expect(answer.status == 200)
            #expect(answer.headers[.contentType] == "application/json")
            #expect(Array(answer.body) == (try OpenAPIDocument.bytes()))
            #expect(answer.json["openapi"] as? String == "3.1.0")
        }
    }

    @Test(
        "schemathesis finds no server error, undocumented status or schema mismatch on any operation, with valid and invalid inputs",
        .enabled(if: StandardWebhooksReceiver.python != nil, "scripts/test sets PAYSYNC_TEST_PYTHON"), .timeLimit(.minutes(10)))
    func schemathesis() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paysync-schemathesis-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let run = try await Schemathesis.run(url: "http://127.0.0.1:\(client.port)/openapi.json", token: APIHarness.token, directory: directory)
            #expect(run.operations == 31, "\(run.log.suffix(4_000))")
            #expect(run.failures == [], "\(run.log.suffix(8_000))")
            #expect(run.errors == [], "\(run.log.suffix(8_000))")
        }
    }
}

/// `python -m schemathesis.cli run` in scripts/python-env's interpreter, with
/// Tests/Receivers/schemathesis.toml, read back from its JUnit report.
enum Schemathesis {
    struct Run {
        /// Operations tested.
        var operations: Int
        /// Each failed check's text (a server error, an undocumented status, a schema mismatch, …).
        var failures: [String]
        /// Each run that could not finish its checks: a network error, or the tool's own.
        var errors: [String]
        var log: String
    }

    static func run(url: String, token: String, directory: URL) async throws -> Run {
        let configuration = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Receivers/schemathesis.toml")
        // Run in the report's folder: schemathesis' crash cache goes there, not into the working copy.
        let (_, text) = try await PythonRun.run(
            [
                "-m", "schemathesis.cli", "--config-file", configuration.path, "run", url, "--header", "Authorization: Bearer \(token)",
                "--mode", "all", "--phases", "examples,coverage,fuzzing", "--max-examples", "10", "--seed", "1",
                // One worker: hypothesis parses its strategies' source with `ast.parse`, which under
                // Python 3.11 fails from several threads at once ("AST constructor recursion depth mismatch").
                "--workers", "1",
                "--request-timeout", "10", "--no-color", "--report", "junit", "--report-dir", directory.path,
            ], environment: ProcessInfo.processInfo.environment, directory: directory, log: "schemathesis.log")
        let reports = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("junit") }
        let report = try String(contentsOfFile: directory.appendingPathComponent(try #require(reports.first, "no JUnit report: \(text)")).path, encoding: .utf8)
        func elements(_ name: String) -> [String] {
            report.components(separatedBy: "<\(name) ").dropFirst().map { String($0.prefix { $0 != "<" }) }
        }
        let suite = try #require(report.firstRange(of: #/tests="(\d+)"/#).map { report[$0] })
        return Run(operations: Int(suite.dropFirst(7).dropLast()) ?? 0, failures: elements("failure"), errors: elements("error"), log: text)
    }
}

/// A Python program in scripts/python-env's interpreter, run to its end in `directory` (its
/// working folder, where its output goes to the file `log`): its exit status and output.
enum PythonRun {
    static func run(_ arguments: [String], environment: [String: String], directory: URL, log name: String) async throws -> (status: Int32, output: String) {
        let python = try #require(StandardWebhooksReceiver.python)
        let log = directory.appendingPathComponent(name)
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(200)) }
        try output.close()
        return (process.terminationStatus, try String(contentsOf: log, encoding: .utf8))
    }
}

import AsyncHTTPClient
import Foundation
import NIOCore

/// Tests/Receivers/standard_webhooks_receiver.py running: a merchant's receiver written with the
/// official `standardwebhooks` package from PyPI, in the interpreter scripts/python-env made.
final class StandardWebhooksReceiver: Sendable {
    /// The interpreter with the package installed (scripts/test sets it).
    static let python = ProcessInfo.processInfo.environment["PAYSYNC_TEST_PYTHON"]
    let process: Process
    let port: Int

    init() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Receivers/standard_webhooks_receiver.py")
        let process = Process()
        guard let python = Self.python else { throw ReceiverError(description: "PAYSYNC_TEST_PYTHON is not set: run scripts/python-env") }
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path]
        let output = Pipe()
        process.standardOutput = output
        // Not the test runner's own streams: a receiver holding them would keep `swift test`
        // waiting for their end after the tests finished.
        process.standardInput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // "listening on PORT", once bound.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            guard let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty else { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("listening on "), let port = Int(text.dropFirst("listening on ".count)) else {
            process.terminate()
            throw ReceiverError(description: "the receiver did not start: \(text)")
        }
        self.process = process
        self.port = port
    }

    struct ReceiverError: Error, CustomStringConvertible {
        let description: String
    }

    deinit { process.terminate() }

    var url: String { "http://127.0.0.1:\(port)/hooks" }

    /// One delivery as the receiver saw it: its headers, body, and the library's verdict per secret.
    struct Delivery: Decodable {
        struct Verdict: Decodable {
            let ok: Bool
            let error: String?
        }
        let headers: [String: String]
        let body: String
        let verdicts: [Verdict]
        let status: Int
    }

    func setSecrets(_ secrets: [String]) async throws {
        _ = try await call("POST", "/_secrets", ["secrets": secrets])
    }

    func answer(_ statuses: [Int]) async throws {
        _ = try await call("POST", "/_answers", ["statuses": statuses])
    }

    func log() async throws -> [Delivery] {
        try JSONDecoder().decode([Delivery].self, from: try await call("GET", "/_log", nil))
    }

    /// The library's verdict on any headers and body under `secret`.
    func verify(secret: String, headers: [String: String], body: String) async throws -> Delivery.Verdict {
        let request: [String: Any] = ["secret": secret, "headers": headers, "body": body]
        return try JSONDecoder().decode(Delivery.Verdict.self, from: try await call("POST", "/_verify", request))
    }

    private func call(_ method: String, _ path: String, _ body: [String: Any]?) async throws -> Data {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .init(rawValue: method)
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return Data(try await response.body.collect(upTo: 1 << 24).readableBytesView)
    }
}

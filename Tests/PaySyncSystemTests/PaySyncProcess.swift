import AsyncHTTPClient
import Foundation
import Synchronization
import PaySyncGateways
import PaySyncTransport

/// The built `paysync` binary, run as a child process on a port of its own.
final class PaySyncProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched from the test's own task, start to stop.
    let port: Int
    let process = Process()
    let log: URL

    /// `.build/debug/paysync`, beside the test bundle.
    static var binary: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("paysync").path), url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent("paysync")
    }

    init(configFile: String, port: Int, directory: URL) throws {
        self.port = port
        log = directory.appendingPathComponent("paysync-\(port)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = Self.binary
        process.arguments = ["serve", "--config", configFile, "--port", String(port)]
        var environment = ProcessInfo.processInfo.environment
        environment["PAYSYNC_API_TOKEN"] = "system-test"
        process.environment = environment
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        // One launch at a time in this test process: Foundation's `Process.run()` crashed once in
        // CI (a bad pointer in its memmove) while the crash test and the multi-instance test were
        // launching servers at the same moment.
        try Self.launching.withLock { _ in try process.run() }
    }

    private static let launching = Mutex(())

    /// Starts `paysync serve` on `port`, or on a free port, retrying on another when the chosen
    /// one was taken before the server could bind it; returns once it answers `/health`.
    static func start(configFile: String, port: Int? = nil, directory: URL, transport: any HTTPTransport) async throws -> PaySyncProcess {
        for _ in 0..<5 {
            let process = try PaySyncProcess(configFile: configFile, port: port ?? freePort(), directory: directory)
            do {
                try await process.waitUntilHealthy(transport: transport)
                return process
            } catch is PortTaken where port == nil {
                continue
            }
        }
        throw PortTaken()
    }

    struct PortTaken: Error {}

    /// Waits until this process says it listens (so a server another test started on the same
    /// port cannot answer for it), then until `/health` answers.
    func waitUntilHealthy(transport: any HTTPTransport) async throws {
        for _ in 0..<1_200 {
            if let text = try? String(contentsOf: log, encoding: .utf8), text.contains("paysync: listening on") { break }
            if !process.isRunning {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if text.contains("Address already in use") { throw PortTaken() }
                break
            }
            try await Task.sleep(nanoseconds: 25_000_000)
        }
        guard case .success(let response) = await transport.send(
            GatewayHTTPRequest(method: .get, url: "http://127.0.0.1:\(port)/health", headers: [], body: []), timeoutMilliseconds: 5_000),
            response.status == 200
        else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "paysync did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")"])
        }
    }

    /// SIGKILL: no graceful shutdown, no flushing.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func terminate() {
        process.terminate()
        process.waitUntilExit()
    }

    /// A free TCP port on loopback (bound once to ask the kernel, then released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                _ = bind(fd, pointer, length)
                _ = getsockname(fd, pointer, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// An HTTP transport whose client can be replaced by a fresh one: after a SIGKILL, a client's
/// connection pool backs off from the dead address for many seconds, as a real gateway's would.
/// The test swaps in a new pool instead of waiting that out.
final class FreshPoolTransport: HTTPTransport {
    private let client = Mutex<HTTPClient>(HTTPClient(eventLoopGroupProvider: .singleton))
    private let retired = Mutex<[HTTPClient]>([])

    func send(_ request: GatewayHTTPRequest, timeoutMilliseconds: Int64) async -> Result<GatewayHTTPResponse, GatewayFailure> {
        await AsyncHTTPClientTransport(client: client.withLock { $0 }).send(request, timeoutMilliseconds: timeoutMilliseconds)
    }

    func renew() {
        let old = client.withLock { current in
            let old = current
            current = HTTPClient(eventLoopGroupProvider: .singleton)
            return old
        }
        retired.withLock { $0.append(old) }
    }

    func shutdown() async throws {
        for client in retired.withLock({ $0 }) + [client.withLock { $0 }] { try await client.shutdown() }
    }
}

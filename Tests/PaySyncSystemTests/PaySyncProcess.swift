import AsyncHTTPClient
import Foundation
import Synchronization
import PaySyncGateways
import PaySyncTransport

/// The built `paysync` binary, run as a child process on a port of its own.
///
/// Spawned with `posix_spawn`, not Foundation's `Process`: on Linux, `Process.run()` copies a whole
/// 256-byte `d_name` out of each `readdir` record while it lists /proc/self/fd, reads past the end
/// of glibc's buffer when the next page is unmapped, and crashed this suite in CI now and then
/// (swift-corelibs-foundation pull request 5472, fixed after Swift 6.3.1).
final class PaySyncProcess: @unchecked Sendable {
    // @unchecked: `exited` is only touched from the test's own task, start to stop.
    let port: Int
    let pid: pid_t
    let log: URL
    private var exited = false

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
        var environment = ProcessInfo.processInfo.environment
        environment["PAYSYNC_API_TOKEN"] = "system-test"
        pid = try Self.spawn(
            Self.binary.path, arguments: ["serve", "--config", configFile, "--port", String(port)],
            environment: environment.map { "\($0.key)=\($0.value)" }, output: log.path)
    }

    /// Starts `path` with its standard output and error appended to `output` and no other
    /// descriptor of this process open in it.
    private static func spawn(_ path: String, arguments: [String], environment: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_APPEND, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        if let closeFrom = Self.closeFrom { _ = closeFrom(&actions, 3) }
        var pid: pid_t = 0
        let status = withCStrings([path] + arguments) { argv in
            withCStrings(environment) { envp in posix_spawn(&pid, path, &actions, nil, argv, envp) }
        }
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EINVAL) }
        return pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not declare; without it the child inherits this process's descriptors.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? =
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self) }

    private static func withCStrings<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }

    /// Runs `paysync` with `arguments` to its end; its exit status and what it wrote.
    static func run(_ arguments: [String], environment: [String: String], directory: URL) throws -> (status: Int32, output: String) {
        let output = directory.appendingPathComponent("paysync-run-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let pid = try spawn(binary.path, arguments: arguments, environment: environment.map { "\($0.key)=\($0.value)" }, output: output.path)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        // WEXITSTATUS, which Swift's Glibc module does not import.
        return ((status >> 8) & 0xff, try String(contentsOf: output, encoding: .utf8))
    }

    /// Whether the child still runs (reaps it when it has exited).
    var isRunning: Bool {
        guard !exited else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exited = true }
        return !exited
    }

    /// Waits for the child to exit (after a signal sent elsewhere).
    func waitUntilExit() {
        guard !exited else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        exited = true
    }

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
            if !isRunning {
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
        Foundation.kill(pid, SIGKILL)
        waitUntilExit()
    }

    /// SIGTERM: a graceful shutdown.
    func terminate() {
        Foundation.kill(pid, SIGTERM)
        waitUntilExit()
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

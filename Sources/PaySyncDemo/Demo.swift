import Foundation
import Hummingbird
import Logging
import NIOCore
import PaySyncCore
import PaySyncEngine
import PaySyncGateways
import PaySyncApp
import PaySyncHTTP
import PaySyncPostgres
import PaySyncSQLite
import PaySyncSandbox
import PaySyncStore
import PaySyncTransport
import Synchronization

/// `paysync demo`: PaySync on a fresh SQLite file and the sandbox gateways, both live on loopback
/// in this process, with customers paying, abandoning and paying late while the sandbox drops,
/// duplicates, delays, forges and tampers with callbacks and fails queries. Then a report, with the
/// invariants checked against the sandbox's ledger.
///
/// Time is simulated: one `ManualClock` drives PaySync and the sandbox, and jumps from one due
/// moment (a customer action, a callback delivery, a check) to the next once everything due now
/// has finished. Every request still crosses real HTTP. Because nothing waits on wall time, a seed
/// replays the same run; `timeScale` only paces the jumps.
public struct Demo: Sendable {
    public let options: DemoOptions
    /// The SQLite file PaySync writes (fresh: an existing file is replaced), or a `postgres://` URL
    /// (a fresh schema is made in that database).
    public let databasePath: String
    let logger: Logger

    /// When simulated time starts: 2026-01-01T00:00:00Z.
    static let start = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)
    /// A run that has not settled this long after the last customer arrived stops and says so.
    static let horizonMilliseconds: Int64 = 3 * 86_400_000
    static let token = "demo-token"

    public init(options: DemoOptions, databasePath: String, logger: Logger = Demo.quietLogger) {
        self.options = options
        self.databasePath = databasePath
        self.logger = logger
    }

    public static var quietLogger: Logger {
        var logger = Logger(label: "paysync.demo")
        logger.logLevel = .critical
        return logger
    }

    /// Runs the demo; `progress` is called about twice a second of wall time.
    public func run(progress: @escaping @Sendable (DemoProgress) -> Void = { _ in }) async throws -> DemoResult {
        try await run(progress: progress, beforeReport: { _ in })
    }

    /// `run`, with a hook on the store between the run and its report (tests tamper with it there
    /// to prove the invariants catch a wrong store).
    func run(
        progress: @escaping @Sendable (DemoProgress) -> Void, beforeReport: @escaping @Sendable (any PaySyncStore) async throws -> Void
    ) async throws -> DemoResult {
        let wallStart = ContinuousClock.now
        let clock = ManualClock(Self.start)
        var sandboxConfiguration = try Self.credentials.sandboxConfiguration()
        sandboxConfiguration.faults = options.faultPlan
        sandboxConfiguration.stallMilliseconds = 400
        let sandbox = try Sandbox(configuration: sandboxConfiguration, clock: clock)
        let store = try await Self.freshStore(databasePath)
        let callbacks = CallbackAddress("http://127.0.0.1:9")

        return try await withThrowingTaskGroup(of: Void.self) { servers in
            defer { servers.cancelAll() }
            let sandboxPort = try await Self.serve(sandbox.router(), name: "PaySync-Sandbox", in: &servers, logger: logger)
            var directory = GatewayDirectory()
            for adapter in try Self.credentials.adapters(baseURL: "http://127.0.0.1:\(sandboxPort)") { directory.register(adapter) }
            var policy = OrderPolicy()
            for provider in DemoOptions.sweepProviders { policy.sweeps[try ProviderID(provider)] = SweepPolicy() }
            // No jitter: it is drawn from delivery ids, which follow commit order, so a seed would
            // not replay the same retry times.
            var delivering = DeliveryPolicy(jitter: 0, concurrencyPerEndpoint: 64, concurrency: 64)
            delivering.leaseMilliseconds = 60_000
            var reconciling = ReconcilerPolicy()
            reconciling.batchSize = 512
            reconciling.perGatewayConcurrency = 32
            let instance = PaySyncInstance(
                store: store, directory: directory, clock: clock, policy: policy, callbacks: callbacks,
                // A timeout fault stalls 400 ms; without timeout faults nothing should ever time out.
                gatewayTimeoutMilliseconds: options.queryTimeouts > 0 ? 200 : 10_000, reconcilerPolicy: reconciling, deliveryPolicy: delivering,
                eventTransport: SimulatedTimeouts(), owner: "demo", logger: logger)
            let paySyncPort = try await Self.serve(instance.router(apiToken: Self.token), name: "PaySync", in: &servers, logger: logger)
            callbacks.set("http://127.0.0.1:\(paySyncPort)")
            let api = APIClient(base: "http://127.0.0.1:\(paySyncPort)", token: Self.token)

            // The merchant's shop learns everything from events, through an endpoint made with the API.
            let shop = DemoShop(
                clock: clock,
                faults: DemoShop.Faults(
                    failures: options.shopFailures, timeouts: options.shopTimeouts, lostAcks: options.shopLostAcks,
                    outageStart: Self.start.adding(milliseconds: 300_000), outageMilliseconds: options.shopOutageMinutes * 60_000, seed: options.seed))
            let shopPort = try await Self.serve(shop.router(), name: "Shop", in: &servers, logger: logger)
            let endpoint = try await api.send(.post, "/v1/endpoints", json: #"{"url":"http://127.0.0.1:\#(shopPort)/events","description":"the demo shop"}"#)
            guard endpoint.status == 201, let made = try JSONSerialization.jsonObject(with: Data(endpoint.body)) as? [String: Any],
                let secret = made["secret"] as? String
            else { throw DemoError("the shop's endpoint was not created: \(String(decoding: endpoint.body, as: UTF8.self))") }
            shop.secret.withLock { $0 = secret }

            let scenario = Scenario(options, start: Self.start)
            let driver = Driver(
                options: options, scenario: scenario, clock: clock, sandbox: sandbox, instance: instance,
                api: api, progress: progress, wallStart: wallStart)
            var finished = try await driver.run()
            // Events whose every retry failed are kept: the operator recovers them, as after any outage.
            let endpointID = made["id"] as? String ?? ""
            let recovered = try await api.send(.post, "/v1/endpoints/\(endpointID)/recover?since=\(Self.start.iso8601)")
            guard recovered.status == 202, let count = (try JSONSerialization.jsonObject(with: Data(recovered.body)) as? [String: Any])?["scheduled"] as? Int
            else { throw DemoError("recovery was refused: \(String(decoding: recovered.body, as: UTF8.self))") }
            if count > 0 {
                shop.state.withLock { $0.recovered = count }
                finished = try await driver.settle(requests: finished.requests)
            }
            try await beforeReport(store)
            let report = try await DemoReport.build(
                options: options, scenario: scenario, store: store, sandbox: sandbox, simulatedMilliseconds: finished.simulatedMilliseconds,
                settled: finished.settled, requests: finished.requests, shop: shop)
            try await store.close()
            let wall = ContinuousClock.now - wallStart
            return DemoResult(
                report: report,
                timing: DemoTiming(
                    wallSeconds: Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18, peakMemoryMiB: Self.peakMemoryMiB(),
                    database: databasePath))
        }
    }

    /// A fresh store: the SQLite file replaced, or — for a `postgres://` URL — a new schema of its own.
    static func freshStore(_ database: String) async throws -> any PaySyncStore {
        if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
            var random = SystemRandomNumberGenerator()
            let schema = "demo_" + String(random.next(), radix: 36)
            return try await PostgresStore.connect(url: database, schema: schema)
        }
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: database + suffix) {
            try FileManager.default.removeItem(atPath: database + suffix)
        }
        return try SQLiteStore(path: database)
    }

    /// Keys are made once per process (RSA key generation is slow).
    static let credentials = SandboxCredentials.generate()

    /// Starts `router` on a free loopback port as a child of `group`; returns the port.
    static func serve<Context: RequestContext>(
        _ router: Router<Context>, name: String, in group: inout ThrowingTaskGroup<Void, any Error>, logger: Logger
    ) async throws -> Int where Context.Source == ApplicationRequestContextSource {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: name),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: logger)
        group.addTask { try await app.run() }
        for await port in ports where port > 0 { return port }
        throw DemoError("the \(name) server did not start")
    }

    /// The process's peak resident memory (Linux `VmHWM`), in MiB.
    static func peakMemoryMiB() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kib / 1024
    }
}

struct DemoError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Where a run stands, for a progress line.
public struct DemoProgress: Sendable {
    public let simulatedSeconds: Int64
    public let created: Int
    public let orders: Int
    public let callbacksDelivered: Int
    public let wallSeconds: Double
}

/// The merchant's side of PaySync's HTTP API, as the demo's shop calls it.
struct APIClient: Sendable {
    let base: String
    let token: String
    let transport = AsyncHTTPClientTransport()

    func send(_ method: GatewayHTTPRequest.Method, _ path: String, json: String? = nil) async throws -> (status: Int, body: [UInt8]) {
        var headers = [("authorization", "Bearer \(token)")]
        if json != nil { headers.append(("content-type", "application/json")) }
        let request = GatewayHTTPRequest(method: method, url: base + path, headers: headers, body: Array((json ?? "").utf8))
        switch await transport.send(request, timeoutMilliseconds: 30_000) {
        case .success(let response): return (response.status, response.body)
        case .failure(let failure): throw DemoError("\(method) \(path): \(failure)")
        }
    }
}

import ArgumentParser
import Foundation
import Hummingbird
import PaySyncCore
import PaySyncEngine
import PaySyncGateways
import PaySyncSandbox
import PaySyncStore

/// `paysync-bench checks`: N open PayZApp orders in SQLite (and in the sandbox's ledger), every
/// check due; the reconciler claims and runs them against the sandbox over loopback HTTP until
/// each order was checked once. Prints checks/s and the process's peak memory.
struct Checks: AsyncParsableCommand {
    @Option(help: "Open orders.") var orders = 10_000
    @Option(help: "Folder for the database.") var directory = "/tmp/paysync-bench-checks"
    @Option(help: "Checks leased per claim.") var batch = 256
    @Option(help: "Queries in flight per gateway.") var concurrency = 64
    @Option(help: "A postgres:// URL to use instead of a SQLite file (a fresh schema is made in it).") var database: String?

    func run() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let (store, _) = try await BenchStore.open(database, sqlitePath: "\(directory)/checks-\(orders).sqlite")
        let clock = ManualClock(Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)))
        let credentials = SandboxCredentials.generate()
        let sandbox = try Sandbox(configuration: try credentials.sandboxConfiguration(), clock: clock)
        let amount = Money(minorUnits: 1_525, currency: .INR)
        let start = clock.now()
        let provider = try ProviderID("payzapp")

        let prepared = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var random = SystemRandomNumberGenerator()
                    for index in stride(from: worker, to: orders, by: 8) {
                        let number = "C-\(index)"
                        _ = try await sandbox.ledger.create(provider: "payzapp", number: number, amount: amount, notifyURL: "http://127.0.0.1:9", now: start)
                        let order = Order(
                            id: .random(using: &random), account: .default, merchantOrderNumber: try MerchantOrderNumber(number), provider: provider,
                            amount: amount, subject: "bench", status: .pending, attempt: 1, version: 1, gatewayOrderNumber: nil, createdAt: start,
                            updatedAt: start, check: .start(PollLadder.progressive, anchor: start))
                        try await store.insertOrder(
                            order,
                            event: OrderEvent(kind: "created", source: .merchantAPI, from: nil, to: .pending, outcome: .applied, attempt: 1, evidence: Evidence(summary: "bench"), at: start),
                            audit: [])
                    }
                }
            }
            try await group.waitForAll()
        }
        var prepUsage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &prepUsage)
        // The in-process sandbox's ledger holds every payment, so it grows with N; the reconciler's
        // own share is the growth from here to the end.
        print("prepared \(orders) open orders in \(ContinuousClock.now - prepared); RSS so far \(prepUsage.ru_maxrss / 1024) MiB")

        let port = 18_200
        let server = Task { try await Application(router: sandbox.router(), configuration: .init(address: .hostname("127.0.0.1", port: port))).run() }
        try await Task.sleep(for: .milliseconds(500))
        var directory = GatewayDirectory()
        for adapter in try credentials.adapters(baseURL: "http://127.0.0.1:\(port)") { directory.register(adapter) }
        var policy = ReconcilerPolicy()
        policy.batchSize = batch
        policy.perGatewayConcurrency = concurrency
        let reconciler = Reconciler(
            store: store, gateways: GatewayClient(directory: directory, clock: clock), clock: clock, schedules: OrderPolicy(), policy: policy,
            owner: "bench")

        // Every order's first check (5 s after its creation) is now due.
        clock.set(start.adding(milliseconds: 5_000))
        let began = ContinuousClock.now
        var checked = 0
        while checked < orders {
            let ran = try await reconciler.runDueChecks()
            if ran == 0 { break }
            checked += ran
        }
        let elapsed = began.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("orders \(orders): \(checked) checks in \(String(format: "%.2f", seconds)) s = \(Int(Double(checked) / seconds)) checks/s; peak RSS \(usage.ru_maxrss / 1024) MiB (+\((usage.ru_maxrss - prepUsage.ru_maxrss) / 1024) MiB while checking)")
        server.cancel()
        try await store.close()
    }
}

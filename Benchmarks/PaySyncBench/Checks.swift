import ArgumentParser
import Foundation
import Hummingbird
import PaySyncCore
import PaySyncEngine
import PaySyncGateways
import PaySyncSandbox
import PaySyncStore

/// `paysync-bench checks`: N open PayZApp orders in SQLite (or PostgreSQL), every check due; the
/// reconciler claims and runs them against the sandbox over loopback HTTP until each order was
/// checked once. The sandbox — whose ledger holds the N payments — runs in a child process, so the
/// peak memory printed is PaySync's own. Prints checks/s and that peak.
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
        let amount = Money(minorUnits: 1_525, currency: .INR)
        let start = clock.now()
        let provider = try ProviderID("payzapp")
        let port = 18_200
        let sandbox = try SandboxServer.spawn(credentials, orders: orders, port: port, now: start, directory: directory)
        defer { sandbox.terminate() }

        let prepared = ContinuousClock.now
        // Created one millisecond apart up to `start`, as a shop's orders arrive; all first checked from `start`.
        try await BenchOrders.insertPending(orders, into: store, upTo: start, eventAt: start) { index, id, created in
            Order(
                id: id, account: .default, merchantOrderNumber: try MerchantOrderNumber("C-\(index)"), provider: provider, amount: amount,
                subject: "bench", status: .pending, attempt: 1, version: 1, gatewayOrderNumber: nil, createdAt: created, updatedAt: created,
                check: .start(PollLadder.progressive, anchor: start))
        }
        var prepUsage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &prepUsage)
        print("prepared \(orders) open orders in \(ContinuousClock.now - prepared); RSS so far \(prepUsage.ru_maxrss / 1024) MiB")

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
        try await store.close()
    }
}

/// `paysync-bench sandbox-server`: the sandbox with N pending PayZApp payments `C-0…`, on a port,
/// in a process of its own (started by `checks`). Prints `ready` once it listens.
struct SandboxServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sandbox-server")

    @Option var orders: Int
    @Option var port: Int
    @Option(help: "The sandbox clock, milliseconds since the epoch (the checker's clock).") var now: Int64
    @Option(help: "Folder holding merchant.pem, gateway.pem and payzapp-secret.txt.") var keys: String

    func run() async throws {
        func read(_ name: String) throws -> String { try String(contentsOfFile: "\(keys)/\(name)", encoding: .utf8) }
        let credentials = SandboxCredentials(
            merchantKey: try RSASigningKey(pem: try read("merchant.pem")), gatewayKey: try RSASigningKey(pem: try read("gateway.pem")),
            payZAppSecret: try read("payzapp-secret.txt"))
        let clock = ManualClock(Timestamp(millisecondsSinceEpoch: now))
        let sandbox = try Sandbox(configuration: try credentials.sandboxConfiguration(), clock: clock)
        let amount = Money(minorUnits: 1_525, currency: .INR)
        for index in 0..<orders {
            _ = try await sandbox.ledger.create(provider: "payzapp", number: "C-\(index)", amount: amount, notifyURL: "http://127.0.0.1:9", now: clock.now())
        }
        let app = Application(
            router: sandbox.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in
                FileHandle.standardOutput.write(Data("ready\n".utf8))
            })
        try await app.run()
    }

    /// Starts the server as a child process and waits for its `ready`.
    static func spawn(_ credentials: SandboxCredentials, orders: Int, port: Int, now: Timestamp, directory: String) throws -> Process {
        try credentials.merchantKey.privateKeyPEM.write(toFile: "\(directory)/merchant.pem", atomically: true, encoding: .utf8)
        try credentials.gatewayKey.privateKeyPEM.write(toFile: "\(directory)/gateway.pem", atomically: true, encoding: .utf8)
        try credentials.payZAppSecret.write(toFile: "\(directory)/payzapp-secret.txt", atomically: true, encoding: .utf8)
        return try spawnReady([
            "sandbox-server", "--orders", String(orders), "--port", String(port), "--now", String(now.millisecondsSinceEpoch), "--keys", directory,
        ])
    }
}

/// Runs this benchmark binary again as a child process with `arguments` (a server subcommand) and
/// returns once it prints `ready`.
func spawnReady(_ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    var seen = Data()
    while !String(decoding: seen, as: UTF8.self).contains("ready") {
        let chunk = output.fileHandleForReading.availableData
        if chunk.isEmpty { throw ValidationError("\(arguments[0]) exited before it was ready") }
        seen += chunk
    }
    return process
}

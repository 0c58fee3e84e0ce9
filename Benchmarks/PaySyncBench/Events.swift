import ArgumentParser
import Foundation
import Hummingbird
import PaySyncCore
import PaySyncEngine
import PaySyncSQLite
import PaySyncStore
import PaySyncTransport

/// `paysync-bench events`: events delivered and acknowledged per second to a local receiver (its
/// own process), with durable delivery state. `--events` events are committed first (an order
/// each), then one recovery makes them all due at once and the deliverer sends them; the time
/// runs from the first claim until the store holds no undelivered event.
struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events")

    @Option var events = 50_000
    @Option(help: "Attempts in flight to the endpoint.") var perEndpoint = 64
    @Option var port = 18_202
    @Option(help: "Folder for the database.") var directory = "/tmp/paysync-bench-events"
    @Flag(help: "Send in rounds (`deliverDue`: claim, send all, wait) instead of the service's loop.") var rounds = false

    func run() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let receiver = try ReceiverServer.spawn(port: port)
        defer { receiver.terminate() }
        let store = try SQLiteStore(path: "\(directory)/events-\(UInt32.random(in: 0...UInt32.max)).sqlite")
        let now = Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
        try await BenchOrders.insertPending(events, into: store, upTo: now, BenchOrders.paid(by: "payzapp"))
        let endpoint = WebhookEndpoint(
            id: "ep_bench", account: .default, url: "http://127.0.0.1:\(port)/hooks", types: .all, state: .enabled, description: "bench",
            secrets: [EndpointSecret(secret: WebhookSignature.newSecret())], failingSince: nil, createdAt: now, updatedAt: now)
        try await store.insertEndpoint(endpoint)
        let scheduled = try await store.recover(endpointID: endpoint.id, since: Timestamp(millisecondsSinceEpoch: 0), at: now)
        let policy = DeliveryPolicy(concurrencyPerEndpoint: perEndpoint, concurrency: perEndpoint, pollMilliseconds: 20)
        let deliverer = EventDeliverer(store: store, transport: AsyncHTTPClientTransport(), clock: SystemClock(), policy: policy)
        let cpuBefore = Self.cpuSeconds()
        let started = ContinuousClock.now
        let running = Task {
            if rounds {
                while try await deliverer.deliverDue() > 0 {}
            } else {
                try await deliverer.run()
            }
        }
        // No pending delivery left (a leased one is pending until its attempt is recorded): one
        // probe of the due index, not a scan of the feed.
        while try await store.nextDeliveryTime() != nil { try await Task.sleep(for: .milliseconds(20)) }
        let elapsed = ContinuousClock.now - started
        running.cancel()
        _ = try await running.value
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let cpu = Self.cpuSeconds() - cpuBefore
        let (committed, synced, _) = store.writeStatistics
        print(
            String(
                format: "events: %d delivered in %.2f s: %.0f /s (%d in flight; %.0f µs of CPU each; %d write transactions, %d synced)", scheduled,
                seconds, Double(scheduled) / seconds, perEndpoint, cpu * 1e6 / Double(max(1, scheduled)), committed, synced))
        try await store.close()
    }
}

extension Events {
    /// This process's CPU time so far, user and system.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

/// A merchant's receiver in its own process: answers every `POST /hooks` 204.
struct ReceiverServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "receiver-server")

    @Option var port: Int

    func run() async throws {
        let router = Router()
        router.post("hooks") { _, _ -> HTTPResponse.Status in .noContent }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in FileHandle.standardOutput.write(Data("ready\n".utf8)) })
        try await app.run()
    }

    /// Starts the receiver as a child process and waits for its `ready`.
    static func spawn(port: Int) throws -> Process {
        try spawnReady(["receiver-server", "--port", String(port)])
    }
}

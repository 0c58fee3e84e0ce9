import ArgumentParser
import Synchronization
import Foundation
import PaySyncCore
import PaySyncEngine
import PaySyncGateways
import PaySyncSandbox
import PaySyncSQLite
import PaySyncStore

/// `paysync-bench judge`: callback ingestion in process, without HTTP — `Ingestor.ingest` on
/// distinct, validly signed PayZApp "paid" callbacks, `concurrency` at a time, against a fresh
/// SQLite file of pending orders (WAL, synchronous = FULL, group commit). Prints callbacks/s and
/// the process's CPU per callback; far steadier than a wrk run, for comparing store changes.
struct Judge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "judge")

    @Option(help: "Orders, and callbacks (one each).") var orders = 50_000
    @Option(help: "Callbacks in flight at once.") var concurrency = 64
    @Option(help: "The SQLite file to write (replaced).") var database = NSTemporaryDirectory() + "paysync-judge.sqlite"

    func run() async throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        let store = try SQLiteStore(path: database)
        let clock = SystemClock()
        let now = clock.now()
        let secrets = try HMACSecrets([SandboxCredentials.generate().payZAppSecret])
        try await BenchOrders.insertPending(orders, into: store, upTo: now, BenchOrders.paid(by: "payzapp"))
        let requests = (0..<orders).map { BenchPayZApp.receivedCallback($0, at: now, secrets: secrets) }
        var directory = GatewayDirectory()
        directory.register(BenchPayZApp.adapter(secrets))
        let ingestor = Ingestor(store: store, clock: clock, directory: directory, accounts: [.default])

        let next = Counter()
        let writesBefore = store.writeStatistics
        let threadsBefore = Self.threadCPU()
        let cpuBefore = Self.processCPU()
        let start = ContinuousClock.now
        let applied = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var applied = 0
                    while let index = next.take(below: requests.count) {
                        let reply = await ingestor.ingest(
                            provider: "payzapp", account: "default", headers: requests[index].headers, body: requests[index].body, bodyTruncated: false,
                            remoteAddress: "127.0.0.1:40000")
                        if reply.verdict == .applied { applied += 1 }
                    }
                    return applied
                }
            }
            return await group.reduce(0, +)
        }
        let elapsed = start.duration(to: .now)
        let cpu = Self.processCPU() - cpuBefore
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(
            format: "%d callbacks (%d applied) in %.2f s: %.0f callbacks/s, %.0f µs of CPU per callback (%d in flight)",
            requests.count, applied, seconds, Double(requests.count) / seconds, cpu * 1e6 / Double(requests.count), concurrency))
        // The busiest thread is the group committer's writer: the one serial stage.
        let threads = Self.threadCPU().map { ($0.key, $0.value - (threadsBefore[$0.key] ?? 0)) }.sorted { $0.1 > $1.1 }
        let tick = 1e6 / Double(sysconf(Int32(_SC_CLK_TCK)))
        print("busiest threads, µs of CPU per callback: " + threads.prefix(4).map { String(format: "%.0f", Double($0.1) * tick / Double(requests.count)) }.joined(separator: ", "))
        let writes = store.writeStatistics
        let commits = writes.committed - writesBefore.committed
        print(String(
            format: "%d commits, %.1f callbacks each; %d batches ran again isolated", commits, Double(requests.count) / Double(max(commits, 1)),
            writes.isolated - writesBefore.isolated))
        print("SQLite memory statistics: \(SQLiteStore.memoryStatisticsOff ? "off" : "on")")
        try await store.close()
    }

    /// CPU ticks (user + system) of each thread of this process, by thread id.
    static func threadCPU() -> [String: Int] {
        var ticks: [String: Int] = [:]
        for thread in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? [] {
            guard let stat = try? String(contentsOfFile: "/proc/self/task/\(thread)/stat", encoding: .utf8),
                let end = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the command name.
            if fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) { ticks[thread] = user + system }
        }
        return ticks
    }

    /// User plus system CPU seconds of this process so far.
    static func processCPU() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

/// Hands out indexes 0, 1, 2, … to concurrent workers.
private final class Counter: Sendable {
    private let value = Mutex(0)
    func take(below limit: Int) -> Int? {
        value.withLock { value in
            guard value < limit else { return nil }
            defer { value += 1 }
            return value
        }
    }
}

import ArgumentParser
import Foundation
import PaySyncDemo
import Synchronization

/// `paysync demo`: the main job end to end, with a report and invariants.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run PaySync against the sandbox gateways with chaos, then check it converged.",
        discussion: """
            Starts PaySync on a fresh SQLite file and the four sandbox gateways on loopback in this \
            process, plays customers paying, abandoning and paying late while the sandbox drops, \
            duplicates, delays, forges and tampers with callbacks and fails queries, and ends with a \
            report whose invariants are checked against the sandbox's ledger. Time is simulated and \
            jumps between due moments; the same seed gives the same report. Exit status 1 if an \
            invariant fails. See docs/demo.md.
            """
    )

    @Option(help: "Number of customers (orders).") var orders = 1_000
    @Option(help: "Seed of the customers and the faults.") var seed: UInt64 = 1
    @Option(help: "Comma-separated gateways to use.") var providers = DemoOptions.allProviders.joined(separator: ",")
    @Option(help: "Fraction of callback deliveries dropped.") var drop = 0.30
    @Option(help: "Fraction of callbacks delivered twice.") var duplicate = 0.20
    @Option(help: "Fraction of callbacks delayed past the next one.") var delay = 0.10
    @Option(help: "Fraction of callbacks followed by a forged copy.") var forge = 0.05
    @Option(help: "Fraction of callbacks followed by a copy with a tampered amount.") var tamper = 0.02
    @Option(help: "Fraction of queries answered 503 or with an unreadable body.") var queryFailures = 0.10
    @Option(help: "Fraction of queries that time out (each costs 200 ms of real time).") var queryTimeouts = 0.0
    @Option(help: "Fraction of event deliveries the shop's endpoint answers 500.") var shopFailures = 0.20
    @Option(help: "Fraction of event deliveries the shop's endpoint lets time out (simulated: no real time lost).") var shopTimeouts = 0.05
    @Option(help: "Fraction of events the shop applies but whose acknowledgement is lost (so they come again).") var shopLostAcks = 0.05
    @Option(help: "Simulated minutes the shop's endpoint is down, from the fifth minute.") var shopOutageMinutes: Int64 = 60
    @Option(help: "Simulated seconds per wall second (30 plays the 30-minute ladder in a minute); default: as fast as possible.")
    var timeScale: Double?
    @Option(help: "SQLite file PaySync writes (replaced if it exists), or a postgres:// URL (a fresh schema is made in it).")
    var database = "paysync-demo.sqlite"
    @Flag(help: "Print the report as JSON on standard output.") var json = false

    func run() async throws {
        var options = DemoOptions()
        options.orders = orders
        options.seed = seed
        options.providers = providers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        options.drop = drop
        options.duplicate = duplicate
        options.delay = delay
        options.forge = forge
        options.tamper = tamper
        options.queryFailures = queryFailures
        options.queryTimeouts = queryTimeouts
        options.shopFailures = shopFailures
        options.shopTimeouts = shopTimeouts
        options.shopLostAcks = shopLostAcks
        options.shopOutageMinutes = shopOutageMinutes
        options.timeScale = timeScale
        if let problem = options.problem() { throw ValidationError(problem) }

        let terminal = isatty(STDERR_FILENO) == 1
        let lastLine = LastLine()
        let result = try await Demo(options: options, databasePath: database).run { progress in
            let line = String(
                format: "simulated %@ · orders %d/%d · callbacks %d · wall %.1f s", DemoCommand.clock(progress.simulatedSeconds), progress.created,
                progress.orders, progress.callbacksDelivered, progress.wallSeconds)
            if terminal {
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            } else if lastLine.due(progress.wallSeconds) {
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
        if terminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            FileHandle.standardOutput.write(try encoder.encode(result))
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(result.text.utf8))
        }
        if !result.report.holds { throw ExitCode(1) }
    }

    static func clock(_ seconds: Int64) -> String {
        String(format: "%d:%02d:%02d", seconds / 3_600, seconds % 3_600 / 60, seconds % 60)
    }
}

/// Plain progress lines (not a terminal): one every five wall seconds.
final class LastLine: Sendable {
    private let last = Mutex(-5.0)
    func due(_ now: Double) -> Bool {
        last.withLock { last in
            guard now - last >= 5 else { return false }
            last = now
            return true
        }
    }
}

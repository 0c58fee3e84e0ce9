import Foundation
import PaySyncSandbox

extension DemoResult {
    /// The report for a person: tables, then the invariants, then the wall-clock figures.
    public var text: String {
        let r = report
        var lines: [String] = []
        func section(_ title: String) { lines.append("\n" + title) }
        func row(_ label: String, _ value: any CustomStringConvertible) { lines.append("  " + label.padding(toLength: 50, withPad: " ", startingAt: 0) + "\(value)") }
        let o = r.options
        lines.append(
            "PaySync demo — \(o.orders) orders, seed \(o.seed), providers \(o.providers.joined(separator: ",")); faults: drop \(o.drop), duplicate \(o.duplicate), "
                + "delay \(o.delay), forge \(o.forge), tamper \(o.tamper), query failures \(o.queryFailures), query timeouts \(o.queryTimeouts)")
        lines.append("Simulated time: \(Self.duration(r.simulatedSeconds)) (\(o.providers.filter { DemoOptions.sweepProviders.contains($0) }.joined(separator: ",")) on the sweep, the rest on the progressive ladder)")

        section("Customers")
        for (behavior, count) in r.customers.sorted(by: { $0.key < $1.key }) { row(behavior, count) }
        row("tried to pay an order already closed", r.requests.payRefusedClosed)
        row("front-end verifications (of which paid)", "\(r.requests.verifications) (\(r.requests.verifiedPaid))")
        row("\"canceled by user\" reports", r.requests.canceledReports)

        section("Orders by provider and outcome")
        let statuses = ["paid", "canceled", "expired", "failed", "closing", "pending", "created"]
        lines.append("  " + "provider".padding(toLength: 10, withPad: " ", startingAt: 0) + statuses.map { $0.leftAligned(10) }.joined())
        for provider in o.providers {
            let counts = r.orders[provider] ?? [:]
            lines.append("  " + provider.padding(toLength: 10, withPad: " ", startingAt: 0) + statuses.map { String(counts[$0] ?? 0).leftAligned(10) }.joined())
        }
        row("created at the gateway / no verdict / refused", "\(r.requests.created) / \(r.requests.unknownAtGateway) / \(r.requests.createRefused)")
        row("recovered by query (callbacks lost or late)", r.recoveredByQuery)
        row("closed by the gateway's cancel API", r.closedByCancel)
        row("closed locally (the gateway has no cancel API)", r.closedLocally)

        section("Callbacks")
        let c = r.callbacks
        row("delivered (acknowledged)", "\(c.delivered) (\(c.acknowledged))")
        row("dropped on the way", c.dropped)
        row("duplicated", c.duplicates)
        row("delayed past the next", c.delayed)
        row("forged (acknowledged: must be 0)", "\(c.forged) (\(c.forgedAcknowledged))")
        row("tampered amount", c.tampered)

        section("Queries received by the gateways")
        for (provider, tally) in r.queries.sorted(by: { $0.key < $1.key }) {
            row(provider, "\(tally.total) (503: \(tally.serverErrors), unreadable: \(tally.malformed), timed out: \(tally.timedOut))")
        }

        section("Review items")
        if r.reviewItems.isEmpty { row("none", "") }
        for (reason, count) in r.reviewItems.sorted(by: { $0.key < $1.key }) { row(reason, count) }

        section("Refunds")
        row("requested (refused: order not paid)", "\(r.requests.refundsRequested) (\(r.requests.refundsRefused))")
        for (status, count) in r.refunds.sorted(by: { $0.key < $1.key }) { row(status, count) }

        section("Events to the shop (its view is built from them alone)")
        let e = r.events
        row("written", "\(e.written.values.reduce(0, +)) (" + e.written.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")")
        row("attempts (retries)", "\(e.attempts) (\(e.retries))")
        row("endpoint: 500 / timed out / down / ack lost", "\(e.failed) / \(e.timedOut) / \(e.outage) / \(e.lostAcks)")
        row("redelivered after the shop applied them", e.redeliveries)
        row("failed every retry; recovered by the operator", e.recovered)
        row("largest lag, commit to delivery", Self.duration(e.largestLagSeconds))

        section("Invariants, checked against the sandbox's ledger")
        for invariant in r.invariants {
            lines.append("  \(invariant.holds ? "PASS" : "FAIL")  \(invariant.name) (\(invariant.checked) checked)")
            if !invariant.holds { lines.append("        \(invariant.violations) violations, e.g. \(invariant.examples.joined(separator: "; "))") }
        }
        section(r.holds ? "All invariants hold." : "INVARIANTS FAILED.")
        let memory = timing.peakMemoryMiB.map { String(format: "%.0f MiB", $0) } ?? "unknown"
        lines.append(String(format: "Wall time %.1f s, peak memory %@, database %@", timing.wallSeconds, memory, timing.database))
        return lines.joined(separator: "\n") + "\n"
    }

    static func duration(_ seconds: Int64) -> String {
        seconds >= 3_600 ? "\(seconds / 3_600) h \(seconds % 3_600 / 60) min" : "\(seconds / 60) min \(seconds % 60) s"
    }
}

extension String {
    func leftAligned(_ width: Int) -> String { padding(toLength: max(width, count + 1), withPad: " ", startingAt: 0) }
}

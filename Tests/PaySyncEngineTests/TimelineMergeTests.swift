import PaySyncCore
import PaySyncStore
import Testing

@Suite("Timeline merge")
struct TimelineMergeTests {
    static func at(_ seconds: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: 1_795_538_439_000 + seconds * 1_000) }

    static func audit(_ summary: String, _ seconds: Int64) -> TimelineEntry {
        .audit(AuditRecord(orderID: nil, kind: .system, summary: summary, at: at(seconds)))
    }

    static func callback(_ id: Int64, _ seconds: Int64) -> InboxEntry {
        InboxEntry(
            id: id, provider: try! ProviderID("codepay"), account: .default, receivedAt: at(seconds), remoteAddress: nil, headers: [:], body: [],
            outcome: InboxOutcome(verdict: .rejected))
    }

    static func labels(_ entries: [TimelineEntry]) -> [String] {
        entries.map {
            switch $0 {
            case .audit(let record): record.summary
            case .callback(let entry): "inbox \(entry.id)"
            case .event(let event): event.kind
            }
        }
    }

    static func event(_ kind: String, _ seconds: Int64, reference: String?) -> TimelineEntry {
        .event(OrderEvent(
            kind: kind, source: .callback, from: .pending, to: .paid, outcome: .applied,
            attempt: 1, evidence: Evidence(summary: kind, reference: reference), at: at(seconds)))
    }

    @Test("a callback that caused nothing goes after every entry written by its receipt; later ones go last; write order is kept")
    func mergesByReceipt() {
        let entries = [Self.audit("create", 0), Self.audit("submit", 5), Self.audit("query", 5), Self.audit("close", 30)]
        let merged = TimelineEntry.merging(entries, callbacks: [Self.callback(1, 0), Self.callback(2, 6), Self.callback(3, 40)])
        #expect(Self.labels(merged) == ["create", "inbox 1", "submit", "query", "inbox 2", "close", "inbox 3"])
    }

    @Test("a callback goes right before the event it caused, even stamped the same millisecond as earlier entries")
    func causedEventFollows() {
        let entries = [Self.audit("create", 0), Self.event("paid", 0, reference: "inbox:7"), Self.audit("later", 0)]
        let merged = TimelineEntry.merging(entries, callbacks: [Self.callback(7, 0), Self.callback(8, 0)])
        #expect(Self.labels(merged) == ["create", "inbox 7", "paid", "later", "inbox 8"])
    }

    @Test("no callbacks leave the entries as they are; no entries leave the callbacks in their order")
    func emptySides() {
        let entries = [Self.audit("create", 0), Self.audit("submit", 1)]
        #expect(TimelineEntry.merging(entries, callbacks: []) == entries)
        #expect(Self.labels(TimelineEntry.merging([], callbacks: [Self.callback(4, 1), Self.callback(5, 2)])) == ["inbox 4", "inbox 5"])
    }
}

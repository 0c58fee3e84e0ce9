import PaySyncCore
import PaySyncStore

/// Every callback PaySync recorded, refused ones included: what an operator reads to see why a
/// gateway's notification was not applied, and replays once the cause is fixed.
public struct InboxService: Sendable {
    let store: any PaySyncStore
    let ingestor: Ingestor
    let clock: any PaySyncClock

    public init(store: any PaySyncStore, ingestor: Ingestor, clock: any PaySyncClock) {
        self.store = store
        self.ingestor = ingestor
        self.clock = clock
    }

    /// Verdicts a replay may change: a refusal (the key was wrong, the gateway's clock was off), a
    /// parked callback, one whose judgement never committed. A callback that was judged against
    /// its record keeps its verdict: judging it again could only repeat or blur it.
    public static let replayable: Set<InboxVerdict> = [.rejected, .parked, .received]

    public func list(_ query: InboxQuery) async throws -> InboxPage {
        try await store.inbox(query)
    }

    public func get(id: Int64) async throws -> InboxEntry {
        guard let entry = try await store.inboxEntry(id: id) else {
            throw PaySyncError(.notFound, code: "inbox_entry_not_found", message: "no inbox entry \(id)")
        }
        return entry
    }

    /// Judges a stored callback again, exactly as it arrived (after a key rotation, a fixed
    /// configuration, or to match a parked one by hand), through the same path as a live one:
    /// verified, deduplicated, applied once. Audited with the verdict before and after.
    /// - Returns: the entry before and after.
    public func replay(id: Int64) async throws -> (before: InboxEntry, after: InboxEntry) {
        let before = try await get(id: id)
        guard Self.replayable.contains(before.verdict) else {
            throw PaySyncError(
                .conflict, code: "inbox_entry_judged",
                message: "inbox entry \(id) was judged \(before.verdict.rawValue); only rejected, parked and received entries are replayed")
        }
        await ingestor.replay(before)
        let after = try await get(id: id)
        func verdict(_ entry: InboxEntry) -> String { entry.verdict.rawValue + (entry.reason.map { " (\($0))" } ?? "") }
        try await store.appendAudit([
            AuditRecord(
                orderID: after.orderID, kind: .operator, summary: "callback replayed: \(verdict(before)) → \(verdict(after))",
                detail: "inbox \(id) from \(before.provider), received \(before.receivedAt.iso8601)", operation: "replay_callback",
                outcome: after.verdict.rawValue, at: clock.now())
        ])
        return (before, after)
    }
}

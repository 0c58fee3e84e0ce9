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

    /// Verdicts an operator's replay may change: a refusal (the key was wrong, the gateway's clock
    /// was off) and a parked callback. A callback judged against its record keeps its verdict
    /// (judging it again could only repeat or blur it); a `received` one is start-up's to judge.
    public static let replayable: Set<InboxVerdict> = [.rejected, .parked]

    /// Refusals of a body that did not arrive whole: judging the stored part again would judge a
    /// request nobody sent.
    public static let partialBodies: Set<String> = ["incomplete_body", "body_too_large"]

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
    /// verified, deduplicated, applied once. The entry is first taken back to `received` by one
    /// conditional write, so of two concurrent replays one runs and the other is refused. Audited
    /// with the verdict before and after, who replayed it and why, on the order the entry names.
    /// - Parameters:
    ///   - by: who asked (`the API`, or an operator's name in the console).
    ///   - reason: why, when they said.
    /// - Returns: the entry before and after.
    public func replay(id: Int64, by: String, reason: String? = nil) async throws -> (before: InboxEntry, after: InboxEntry) {
        let before = try await get(id: id)
        if let reason = before.reason, Self.partialBodies.contains(reason) {
            throw PaySyncError(
                .conflict, code: "inbox_entry_partial", message: "inbox entry \(id) was refused \(reason): only part of the request was stored")
        }
        guard Self.replayable.contains(before.verdict), try await store.reopenInbox(id: id) else {
            throw PaySyncError(
                .conflict, code: "inbox_entry_judged",
                message: "inbox entry \(id) is \((try await get(id: id)).verdict.rawValue); only rejected and parked entries are replayed")
        }
        let reply = await ingestor.replay(before)
        let after = try await get(id: id)
        guard after.verdict != .received else {
            throw PaySyncError(
                .unavailable, code: "replay_not_committed",
                message: "the replay of inbox entry \(id) did not commit (\(reply.reason ?? "store unavailable")); it stays received and is judged again at start-up")
        }
        try await store.appendAudit([
            AuditRecord(
                orderID: try await orderID(of: after), kind: .operator,
                summary: "callback replayed by \(by): \(before.outcome.verdictText) → \(after.outcome.verdictText)",
                detail: "inbox \(id) from \(before.provider), received \(before.receivedAt.iso8601)" + (reason.map { "; reason: \($0)" } ?? ""),
                operation: "replay_callback",
                outcome: after.verdict.rawValue, at: clock.now())
        ])
        return (before, after)
    }

    /// The order an entry concerns: the one it was matched to, else the one its number names.
    private func orderID(of entry: InboxEntry) async throws -> OrderID? {
        if let id = entry.orderID { return id }
        guard let claimed = entry.merchantOrderNumber else { return nil }
        let number: MerchantOrderNumber
        do { number = try MerchantOrderNumber(claimed) } catch { return nil }  // Not an order number: it names no order.
        return try await store.order(account: entry.account, number: number)?.id
    }
}

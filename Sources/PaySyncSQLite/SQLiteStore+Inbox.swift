import Foundation
import GRDB
import GRDBSQLite
import PaySyncCore
import PaySyncStore

extension SQLiteStore {
    public func recordInbox(_ entry: NewInboxEntry) async throws -> Int64 {
        let headers = InboxEntry.storedHeaders(entry.headers)
        return try await writer.write { [self] db in try insert(entry, headers: headers, .received, db) }
    }

    public func rejectInbox(_ subject: InboxSubject, reason: String, detail: String) async throws -> Int64 {
        let outcome = InboxOutcome(verdict: .rejected, reason: reason, detail: detail)
        switch subject {
        case .new(let entry):
            let headers = InboxEntry.storedHeaders(entry.headers)
            return try await writer.write { [self] db in try insert(entry, headers: headers, outcome, db) }
        case .recorded(let id):
            try await writer.write { db in try Self.setOutcome(id, outcome, db) }
            return id
        }
    }

    public func resolveInbox<Result: Sendable>(
        _ subject: InboxSubject, provider: ProviderID, account: MerchantAccountID, dedupKey: String, merchantOrderNumber: String,
        _ decide: @escaping @Sendable (Order?, Int64) throws -> InboxDecision<Result>
    ) async throws -> InboxJudgement<Result> {
        try await judge(subject) { [self] id, db in
            if let earlier = try Self.earlierEntry(id, provider: provider, dedupKey: dedupKey, db) { return InboxOutcome.duplicate(of: earlier) }
            let order = try Self.fetchOrder(Self.orderByNumberSQL, [.text(account.rawValue), .text(merchantOrderNumber)], currencies, db)
            let decision = try decide(order, id)
            if let change = decision.change, let order { try commit(change, to: order, db) }
            return (
                .resolved(decision.verdict, reason: decision.reason, decision.result),
                InboxOutcome(
                    verdict: decision.verdict, reason: decision.reason, detail: decision.detail, dedupKey: dedupKey,
                    merchantOrderNumber: merchantOrderNumber, orderID: order?.id)
            )
        }
    }

    public func resolveRefundInbox(
        _ subject: InboxSubject, provider: ProviderID, account: MerchantAccountID, dedupKey: String, refundNumber: String,
        _ decide: @escaping @Sendable (Refund?, Int64) -> RefundInboxDecision
    ) async throws -> InboxJudgement<Void> {
        try await judge(subject) { [self] id, db in
            if let earlier = try Self.earlierEntry(id, provider: provider, dedupKey: dedupKey, db) { return InboxOutcome.duplicate(of: earlier) }
            let refund = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM refunds WHERE account = ? AND refund_number = ?"), arguments: [account.rawValue, refundNumber]
            ).map { try Self.refund($0, currencies) }
            let decision = decide(refund, id)
            if let updated = decision.refund { try Self.update(updated, db) }
            try insert(decision.audit, db)
            return (
                .resolved(decision.verdict, reason: decision.reason, ()),
                InboxOutcome(
                    verdict: decision.verdict, reason: decision.reason, dedupKey: dedupKey, merchantOrderNumber: refundNumber, orderID: refund?.orderID)
            )
        }
    }

    /// One write for a callback's judging. A `.new` subject is written once, with its verdict, when
    /// `resolve` succeeds; when `resolve` throws, its writes roll back and the entry is written
    /// `received` instead (start-up judges it again). Either way the raw request is recorded in the
    /// transaction that judged it.
    func judge<Result: Sendable>(
        _ subject: InboxSubject, _ resolve: @escaping @Sendable (Int64, Database) throws -> (InboxResolution<Result>, InboxOutcome)
    ) async throws -> InboxJudgement<Result> {
        switch subject {
        case .recorded(let id):
            do {
                return InboxJudgement(
                    id: id,
                    resolution: try await writer.write { db in
                        let (resolution, outcome) = try resolve(id, db)
                        try Self.setOutcome(id, outcome, db)
                        return resolution
                    })
            } catch {
                return InboxJudgement(id: id, resolution: nil)
            }
        case .new(let entry):
            // Encoded before the write: the writer is the one serial part of ingestion.
            let headers = InboxEntry.storedHeaders(entry.headers)
            // In the batch's fast attempt judging runs bare: if it throws, the batch runs again
            // isolated, where the savepoint below leaves nothing behind when judging throws, and if
            // the fallback `INSERT` throws nothing was written.
            return try await writer.write(handlingFailure: { [self] db, isolated in
                let id = try nextInboxID(db)
                let judged = {
                    let (resolution, outcome) = try resolve(id, db)
                    try self.insert(entry, headers: headers, outcome, id: id, db)
                    return InboxJudgement(id: id, resolution: resolution)
                }
                guard isolated else { return try judged() }
                do {
                    return try db.inCachedSavepoint("judge", judged)
                } catch {
                    try insert(entry, headers: headers, .received, id: id, db)
                    return InboxJudgement(id: id, resolution: nil)
                }
            })
        }
    }

    /// Inserts a raw callback with its outcome (`id` defaults to the next inbox id); returns its id.
    /// Every inbox row is inserted here: ids are handed out by the write transaction (see
    /// `nextInboxID`), so none may be left to SQLite.
    @discardableResult
    func insert(_ entry: NewInboxEntry, headers: String, _ outcome: InboxOutcome, id: Int64? = nil, _ db: Database) throws -> Int64 {
        let id = try id ?? nextInboxID(db)
        try db.run(
            """
            INSERT INTO inbox (id, provider, account, received_at, remote_address, headers, body, verdict, reason, detail, dedup_key,
              merchant_order_number, order_id, duplicate_of)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(id), .text(entry.provider.rawValue), .text(entry.account.rawValue), .integer(entry.receivedAt.millisecondsSinceEpoch),
                .text(entry.remoteAddress), .text(headers), .blob(entry.body), .text(outcome.verdict.rawValue), .text(outcome.reason),
                .text(outcome.detail), .text(outcome.dedupKey), .text(outcome.merchantOrderNumber), .text(outcome.orderID?.rawValue),
                .integer(outcome.duplicateOf),
            ])
        return id
    }

    /// Writes a recorded entry's outcome (a replay, or a rejection of one).
    static func setOutcome(_ id: Int64, _ outcome: InboxOutcome, _ db: Database) throws {
        try db.cachedStatement(sql: InboxOutcome.updateSQL).execute(arguments: [
            outcome.verdict.rawValue, outcome.reason, outcome.detail, outcome.dedupKey, outcome.merchantOrderNumber, outcome.orderID?.rawValue,
            outcome.duplicateOf, id,
        ])
    }

    /// The earlier entry of `provider` carrying `dedupKey`, if any: entry `id` is then its
    /// duplicate. The dedup horizon is the table itself.
    static func earlierEntry(_ id: Int64, provider: ProviderID, dedupKey: String, _ db: Database) throws -> Int64? {
        try db.first("SELECT id FROM inbox WHERE provider = ? AND dedup_key = ? AND id != ?", [.text(provider.rawValue), .text(dedupKey), .integer(id)]) {
            sqlite3_column_int64($0, 0)
        }
    }

    public func inboxEntry(id: Int64) async throws -> InboxEntry? {
        try await pool.read { db in try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM inbox WHERE id = ?"), arguments: [id]).map(Self.inboxEntry) }
    }

    public func parkedInbox(provider: ProviderID, account: MerchantAccountID, merchantOrderNumber: String) async throws -> [InboxEntry] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM inbox WHERE provider = ? AND account = ? AND merchant_order_number = ? AND verdict = 'parked' ORDER BY id"),
                arguments: [provider.rawValue, account.rawValue, merchantOrderNumber]
            ).map(Self.inboxEntry)
        }
    }

    public func unjudgedInbox(limit: Int) async throws -> [InboxEntry] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM inbox WHERE verdict = 'received' ORDER BY id LIMIT ?"), arguments: [limit]).map(Self.inboxEntry)
        }
    }

    static func inboxEntry(_ row: Row) throws -> InboxEntry {
        let id: Int64 = row["id"]
        guard let provider = try? ProviderID(row["provider"]), let account = try? MerchantAccountID(row["account"]),
            let verdict = InboxVerdict(rawValue: row["verdict"]),
            let headers = InboxEntry.headers(stored: row["headers"])
        else { throw StoreError(.corruptRow, "inbox row \(id) does not decode") }
        let orderID: String? = row["order_id"]
        let body: Data = row["body"]
        return InboxEntry(
            id: id, provider: provider, account: account, receivedAt: Timestamp(millisecondsSinceEpoch: row["received_at"]),
            remoteAddress: row["remote_address"], headers: headers, body: Array(body),
            outcome: InboxOutcome(
                verdict: verdict, reason: row["reason"], detail: row["detail"], dedupKey: row["dedup_key"], merchantOrderNumber: row["merchant_order_number"],
                orderID: orderID.flatMap(OrderID.init(rawValue:)), duplicateOf: row["duplicate_of"]))
    }
}

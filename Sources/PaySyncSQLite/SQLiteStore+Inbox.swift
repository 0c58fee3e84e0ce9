import Foundation
import GRDB
import PaySyncCore
import PaySyncStore

extension SQLiteStore {
    public func recordInbox(_ entry: NewInboxEntry) async throws -> Int64 {
        let headers = InboxEntry.storedHeaders(entry.headers)
        return try await writer.write { db in try Self.insert(entry, headers: headers, verdict: .received, db) }
    }

    public func rejectInbox(_ subject: InboxSubject, reason: String, detail: String) async throws -> Int64 {
        switch subject {
        case .new(let entry):
            let headers = InboxEntry.storedHeaders(entry.headers)
            return try await writer.write { db in try Self.insert(entry, headers: headers, verdict: .rejected, reason: reason, detail: detail, db) }
        case .recorded(let id):
            try await writer.write { db in
                try db.cachedStatement(sql: "UPDATE inbox SET verdict = 'rejected', reason = ?, detail = ? WHERE id = ?").execute(arguments: [reason, detail, id])
            }
            return id
        }
    }

    public func resolveInbox<Result: Sendable>(
        _ subject: InboxSubject, provider: ProviderID, account: MerchantAccountID, dedupKey: String, merchantOrderNumber: String,
        _ decide: @escaping @Sendable (Order?, Int64) throws -> InboxDecision<Result>
    ) async throws -> InboxJudgement<Result> {
        try await judge(subject) { [currencies] id, db in
            if let earlier = try Self.markDuplicate(id, provider: provider, dedupKey: dedupKey, db) { return .duplicate(of: earlier) }
            let row = try Row.fetchOne(
                db.cachedStatement(sql: Self.orderByNumberSQL),
                arguments: [account.rawValue, merchantOrderNumber])
            let order = try row.map { try Self.order($0, currencies) }
            let decision = try decide(order, id)
            if let change = decision.change, let order { try Self.commit(change, to: order, db) }
            try Self.setVerdict(
                id, dedupKey: dedupKey, number: merchantOrderNumber, decision.verdict, reason: decision.reason, detail: decision.detail,
                orderID: order?.id, db)
            return .resolved(decision.verdict, reason: decision.reason, decision.result)
        }
    }

    public func resolveRefundInbox(
        _ subject: InboxSubject, provider: ProviderID, account: MerchantAccountID, dedupKey: String, refundNumber: String,
        _ decide: @escaping @Sendable (Refund?, Int64) -> RefundInboxDecision
    ) async throws -> InboxJudgement<Void> {
        try await judge(subject) { [currencies] id, db in
            if let earlier = try Self.markDuplicate(id, provider: provider, dedupKey: dedupKey, db) { return .duplicate(of: earlier) }
            let refund = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM refunds WHERE account = ? AND refund_number = ?"), arguments: [account.rawValue, refundNumber]
            ).map { try Self.refund($0, currencies) }
            let decision = decide(refund, id)
            if let updated = decision.refund { try Self.update(updated, db) }
            try Self.insert(decision.audit, db)
            try Self.setVerdict(
                id, dedupKey: dedupKey, number: refundNumber, decision.verdict, reason: decision.reason, detail: nil, orderID: refund?.orderID, db)
            return .resolved(decision.verdict, reason: decision.reason, ())
        }
    }

    /// One write for a callback's judging: a `.new` subject is recorded first and kept even when
    /// `resolve` throws (its savepoint alone rolls back; the entry stays `received`).
    func judge<Result: Sendable>(
        _ subject: InboxSubject, _ resolve: @escaping @Sendable (Int64, Database) throws -> InboxResolution<Result>
    ) async throws -> InboxJudgement<Result> {
        switch subject {
        case .recorded(let id):
            do {
                return InboxJudgement(id: id, resolution: try await writer.write { db in try resolve(id, db) })
            } catch {
                return InboxJudgement(id: id, resolution: nil)
            }
        case .new(let entry):
            // Encoded before the write: the writer is the one serial part of ingestion.
            let headers = InboxEntry.storedHeaders(entry.headers)
            return try await writer.write { db in
                let id = try Self.insert(entry, headers: headers, verdict: .received, db)
                let resolution = try? db.inCachedSavepoint("judge") { try resolve(id, db) }
                return InboxJudgement(id: id, resolution: resolution)
            }
        }
    }

    /// Inserts a raw callback with its first verdict; returns its id.
    static func insert(
        _ entry: NewInboxEntry, headers: String, verdict: InboxVerdict, reason: String? = nil, detail: String? = nil, _ db: Database
    ) throws -> Int64 {
        try db.cachedStatement(sql: """
                INSERT INTO inbox (provider, account, received_at, remote_address, headers, body, verdict, reason, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                entry.provider.rawValue, entry.account.rawValue, entry.receivedAt.millisecondsSinceEpoch, entry.remoteAddress,
                headers, Data(entry.body), verdict.rawValue, reason, detail,
            ])
        return db.lastInsertedRowID
    }

    /// Writes a resolved entry's verdict and what it was matched on.
    static func setVerdict(
        _ id: Int64, dedupKey: String, number: String, _ verdict: InboxVerdict, reason: String?, detail: String?, orderID: OrderID?, _ db: Database
    ) throws {
        try db.cachedStatement(sql: """
                UPDATE inbox SET dedup_key = ?, merchant_order_number = ?, verdict = ?, reason = ?, detail = ?, order_id = ?
                WHERE id = ?
                """).execute(arguments: [dedupKey, number, verdict.rawValue, reason, detail, orderID?.rawValue, id])
    }

    /// If an earlier entry of `provider` carries `dedupKey`, marks entry `id` its duplicate and
    /// returns the earlier id. The dedup horizon is the table itself.
    static func markDuplicate(_ id: Int64, provider: ProviderID, dedupKey: String, _ db: Database) throws -> Int64? {
        guard let earlier = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM inbox WHERE provider = ? AND dedup_key = ? AND id != ?"), arguments: [provider.rawValue, dedupKey, id])
        else { return nil }
        try db.cachedStatement(sql: "UPDATE inbox SET verdict = 'duplicate', duplicate_of = ? WHERE id = ?").execute(arguments: [earlier, id])
        return earlier
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
            remoteAddress: row["remote_address"], headers: headers, body: Array(body), verdict: verdict, reason: row["reason"],
            detail: row["detail"], dedupKey: row["dedup_key"], merchantOrderNumber: row["merchant_order_number"],
            orderID: orderID.flatMap(OrderID.init(rawValue:)), duplicateOf: row["duplicate_of"])
    }
}

import Foundation
import GRDB
import PaySyncCore
import PaySyncStore

extension SQLiteStore {
    public func recordInbox(_ entry: NewInboxEntry) async throws -> Int64 {
        let headers = try InboxEntry.storedHeaders(entry.headers)
        return try await writer.write { db in
            try db.cachedStatement(sql: """
                    INSERT INTO inbox (provider, account, received_at, remote_address, headers, body, verdict)
                    VALUES (?, ?, ?, ?, ?, ?, 'received')
                    """).execute(arguments: [
                    entry.provider.rawValue, entry.account.rawValue, entry.receivedAt.millisecondsSinceEpoch, entry.remoteAddress, headers,
                    Data(entry.body),
                ])
            return db.lastInsertedRowID
        }
    }

    public func rejectInbox(id: Int64, reason: String, detail: String) async throws {
        try await writer.write { db in
            try db.cachedStatement(sql: "UPDATE inbox SET verdict = 'rejected', reason = ?, detail = ? WHERE id = ?").execute(arguments: [reason, detail, id])
        }
    }

    public func resolveInbox<Result: Sendable>(
        id: Int64, provider: ProviderID, account: MerchantAccountID, dedupKey: String, merchantOrderNumber: String,
        _ decide: @escaping @Sendable (Order?) throws -> InboxDecision<Result>
    ) async throws -> InboxResolution<Result> {
        try await writer.write { [currencies] db in
            if let earlier = try Self.markDuplicate(id, provider: provider, dedupKey: dedupKey, db) { return .duplicate(of: earlier) }
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM orders WHERE account = ? AND merchant_order_number = ?", arguments: [account.rawValue, merchantOrderNumber])
            let order = try row.map { try Self.order($0, currencies) }
            let decision = try decide(order)
            if let change = decision.change, let order { try Self.commit(change, to: order, db) }
            try db.cachedStatement(sql: """
                    UPDATE inbox SET dedup_key = ?, merchant_order_number = ?, verdict = ?, reason = ?, detail = ?, order_id = ?
                    WHERE id = ?
                    """).execute(arguments: [dedupKey, merchantOrderNumber, decision.verdict.rawValue, decision.reason, decision.detail, order?.id.rawValue, id])
            return .resolved(decision.verdict, reason: decision.reason, decision.result)
        }
    }

    public func resolveRefundInbox(
        id: Int64, provider: ProviderID, account: MerchantAccountID, dedupKey: String, refundNumber: String,
        _ decide: @escaping @Sendable (Refund?) -> RefundInboxDecision
    ) async throws -> InboxResolution<Void> {
        try await writer.write { [currencies] db in
            if let earlier = try Self.markDuplicate(id, provider: provider, dedupKey: dedupKey, db) { return .duplicate(of: earlier) }
            let refund = try Row.fetchOne(
                db, sql: "SELECT * FROM refunds WHERE account = ? AND refund_number = ?", arguments: [account.rawValue, refundNumber]
            ).map { try Self.refund($0, currencies) }
            let decision = decide(refund)
            if let updated = decision.refund {
                try Self.update(updated, db)
            }
            try Self.insert(decision.audit, db)
            try db.execute(
                sql: "UPDATE inbox SET dedup_key = ?, merchant_order_number = ?, verdict = ?, reason = ?, order_id = ? WHERE id = ?",
                arguments: [dedupKey, refundNumber, decision.verdict.rawValue, decision.reason, refund?.orderID.rawValue, id])
            return .resolved(decision.verdict, reason: decision.reason, ())
        }
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
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM inbox WHERE id = ?", arguments: [id]).map(Self.inboxEntry) }
    }

    public func parkedInbox(provider: ProviderID, account: MerchantAccountID, merchantOrderNumber: String) async throws -> [InboxEntry] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM inbox WHERE provider = ? AND account = ? AND merchant_order_number = ? AND verdict = 'parked' ORDER BY id",
                arguments: [provider.rawValue, account.rawValue, merchantOrderNumber]
            ).map(Self.inboxEntry)
        }
    }

    public func unjudgedInbox(limit: Int) async throws -> [InboxEntry] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM inbox WHERE verdict = 'received' ORDER BY id LIMIT ?", arguments: [limit]).map(Self.inboxEntry)
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

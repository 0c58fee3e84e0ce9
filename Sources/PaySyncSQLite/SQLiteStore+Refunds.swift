import GRDB
import PaySyncCore
import PaySyncStore

extension SQLiteStore {
    public func insertRefund(
        orderID: OrderID, _ make: @escaping @Sendable (Order, [Refund]) throws -> (Refund, [AuditRecord])
    ) async throws -> Refund {
        try await writer.write { [self] db in
            guard let order = try Self.fetchOrder(Self.orderByIDSQL, [.text(orderID.rawValue)], currencies, db) else {
                throw StoreError(.orderNotFound, "no order \(orderID)")
            }
            let existing = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM refunds WHERE order_id = ? ORDER BY created_at, id"), arguments: [orderID.rawValue])
                .map { try Self.refund($0, currencies) }
            let (refund, audit) = try make(order, existing)
            do {
                try db.cachedStatement(sql: """
                        INSERT INTO refunds (id, order_id, account, provider, refund_number, amount_minor, currency, reason, status,
                          gateway_refund_number, next_check_at, failures, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """).execute(
                    arguments: [
                        refund.id, orderID.rawValue, refund.account.rawValue, refund.provider.rawValue, refund.refundNumber, refund.amount.minorUnits,
                        refund.amount.currency.code, refund.reason, refund.status.rawValue, refund.gatewayRefundNumber,
                        refund.nextCheckAt?.millisecondsSinceEpoch, refund.failures, refund.createdAt.millisecondsSinceEpoch,
                        refund.updatedAt.millisecondsSinceEpoch,
                    ])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StoreError(.duplicateRefundNumber, "refund number \(refund.refundNumber) already exists for account \(refund.account)")
            }
            try insert(audit, db)
            try insert(Outbox.refundChanged(from: nil, to: refund), db)
            return refund
        }
    }

    public func updateRefund(id: String, _ change: @escaping @Sendable (Refund) throws -> (Refund?, [AuditRecord])) async throws -> Refund {
        try await writer.write { [self] db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM refunds WHERE id = ?"), arguments: [id]) else {
                throw StoreError(.refundNotFound, "no refund \(id)")
            }
            let current = try Self.refund(row, currencies)
            let (updated, audit) = try change(current)
            if let updated {
                try update(updated, over: current, db)
            }
            try insert(audit, db)
            return updated ?? current
        }
    }

    public func refunds(orderID: OrderID) async throws -> [Refund] {
        try await pool.read { [currencies] db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM refunds WHERE order_id = ? ORDER BY created_at, id"), arguments: [orderID.rawValue])
                .map { try Self.refund($0, currencies) }
        }
    }

    public func claimDueRefunds(now: Timestamp, leaseMilliseconds: Int64, limit: Int) async throws -> [Refund] {
        try await claimDue(in: "refunds", now: now, leaseMilliseconds: leaseMilliseconds, limit: limit, Self.refund)
    }

    /// Follow-ups of `table` (refunds, payouts) due at `now`, earliest first; each is pushed
    /// `leaseMilliseconds` ahead so no other claimer takes it while it is worked.
    func claimDue<Record: Sendable>(
        in table: String, now: Timestamp, leaseMilliseconds: Int64, limit: Int, _ decode: @escaping @Sendable (Row, CurrencyRegistry) throws -> Record
    ) async throws -> [Record] {
        try await writer.write(durable: false) { [currencies] db in
            let due = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM \(table) WHERE next_check_at IS NOT NULL AND next_check_at <= ? ORDER BY next_check_at LIMIT ?"),
                arguments: [now.millisecondsSinceEpoch, limit])
            for row in due {
                try db.cachedStatement(sql: "UPDATE \(table) SET next_check_at = ? WHERE id = ?").execute(arguments: [now.millisecondsSinceEpoch + leaseMilliseconds, row["id"] as String])
            }
            return try due.map { try decode($0, currencies) }
        }
    }

    /// Writes a refund's mutable columns, and the events its change from `before` produces.
    func update(_ refund: Refund, over before: Refund?, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE refunds SET status = ?, gateway_refund_number = ?, next_check_at = ?, failures = ?, updated_at = ? WHERE id = ?")
            .execute(arguments: [
                refund.status.rawValue, refund.gatewayRefundNumber, refund.nextCheckAt?.millisecondsSinceEpoch, refund.failures,
                refund.updatedAt.millisecondsSinceEpoch, refund.id,
            ])
        try insert(Outbox.refundChanged(from: before, to: refund), db)
    }

    static func refund(_ row: Row, _ currencies: CurrencyRegistry) throws -> Refund {
        let id: String = row["id"]
        guard let orderID = OrderID(rawValue: row["order_id"]), let account = try? MerchantAccountID(row["account"]),
            let provider = try? ProviderID(row["provider"]), let currency = currencies.currency(code: row["currency"]),
            let status = RefundStatus(rawValue: row["status"])
        else { throw StoreError(.corruptRow, "refund row \(id) does not decode") }
        let next: Int64? = row["next_check_at"]
        return Refund(
            id: id, orderID: orderID, account: account, provider: provider, refundNumber: row["refund_number"],
            amount: Money(minorUnits: row["amount_minor"], currency: currency), reason: row["reason"], status: status,
            gatewayRefundNumber: row["gateway_refund_number"], nextCheckAt: next.map(Timestamp.init(millisecondsSinceEpoch:)), failures: row["failures"],
            createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]), updatedAt: Timestamp(millisecondsSinceEpoch: row["updated_at"]))
    }
}

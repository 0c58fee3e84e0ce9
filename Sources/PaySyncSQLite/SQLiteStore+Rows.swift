import GRDB
import PaySyncCore
import PaySyncStore

/// Reading rows back into domain values, and writing log rows. A row that does not decode is a
/// `StoreError.corruptRow`, never a crash.
extension SQLiteStore {
    /// The columns `order(_:_:)` reads, in the order it reads them by index (a name lookup per
    /// column cost more than the rest of the decoding): every query that decodes orders selects these.
    static let orderColumns = """
        id, account, merchant_order_number, provider, amount_minor, currency, subject, status, attempt, version, gateway_order_number, \
        created_at, updated_at, checkout_url, checkout_qr, next_check_at, check_rung, check_anchor, check_failures
        """
    static let orderByIDSQL = "SELECT \(orderColumns) FROM orders WHERE id = ?"
    static let orderByNumberSQL = "SELECT \(orderColumns) FROM orders WHERE account = ? AND merchant_order_number = ?"

    /// An order from a row of `orderColumns`.
    static func order(_ row: Row, _ currencies: CurrencyRegistry) throws -> Order {
        let id: String = row[0]
        guard let orderID = OrderID(rawValue: id),
            let account = try? MerchantAccountID(row[1]),
            let number = try? MerchantOrderNumber(row[2]),
            let provider = try? ProviderID(row[3]),
            let currency = currencies.currency(code: row[5]),
            let status = OrderStatus(rawValue: row[7])
        else { throw StoreError(.corruptRow, "order row \(id) does not decode") }
        let nextCheck: Int64? = row[15]
        let anchor: Int64? = row[17]
        let check = nextCheck.map {
            CheckState(
                anchor: Timestamp(millisecondsSinceEpoch: anchor ?? $0), rung: row[16], nextAt: Timestamp(millisecondsSinceEpoch: $0), failures: row[18])
        }
        let checkoutURL: String? = row[13]
        let checkoutQR: String? = row[14]
        return Order(
            id: orderID, account: account, merchantOrderNumber: number, provider: provider,
            amount: Money(minorUnits: row[4], currency: currency), subject: row[6], status: status,
            attempt: row[8], version: row[9], gatewayOrderNumber: row[10],
            createdAt: Timestamp(millisecondsSinceEpoch: row[11]),
            updatedAt: Timestamp(millisecondsSinceEpoch: row[12]),
            checkout: checkoutURL == nil && checkoutQR == nil ? nil : Checkout(url: checkoutURL, qrContent: checkoutQR), check: check
        )
    }

    static func event(_ row: Row, _ currencies: CurrencyRegistry) throws -> OrderEvent {
        guard let source = EventSource(rawValue: row["source"]),
            let to = OrderStatus(rawValue: row["to_status"]),
            let outcome = OrderEvent.Outcome(rawValue: row["outcome"])
        else { throw StoreError(.corruptRow, "event row \(row["seq"] as Int64) does not decode") }
        let fromText: String? = row["from_status"]
        var amount: Money?
        if let minor: Int64 = row["evidence_amount_minor"], let code: String = row["evidence_currency"] {
            guard let currency = currencies.currency(code: code) else {
                throw StoreError(.corruptRow, "event row \(row["seq"] as Int64) has unknown currency \(code)")
            }
            amount = Money(minorUnits: minor, currency: currency)
        }
        return OrderEvent(
            kind: row["kind"], source: source, from: fromText.flatMap(OrderStatus.init(rawValue:)), to: to, outcome: outcome,
            attempt: row["attempt"],
            evidence: Evidence(summary: row["summary"], providerStatus: row["provider_status"], amount: amount, reference: row["reference"]),
            at: Timestamp(millisecondsSinceEpoch: row["at"])
        )
    }

    static func audit(_ row: Row) throws -> AuditRecord {
        guard let kind = AuditRecord.Kind(rawValue: row["kind"]) else {
            throw StoreError(.corruptRow, "audit row \(row["seq"] as Int64) does not decode")
        }
        let orderID: String? = row["order_id"]
        return AuditRecord(
            orderID: orderID.flatMap(OrderID.init(rawValue:)), kind: kind, summary: row["summary"], detail: row["detail"],
            latencyMilliseconds: row["latency_ms"], error: row["error"], at: Timestamp(millisecondsSinceEpoch: row["at"])
        )
    }

    static func reviewItem(_ row: Row) throws -> ReviewItem {
        guard let orderID = OrderID(rawValue: row["order_id"]),
            let reason = ReviewReason(rawValue: row["reason"]),
            let status = ReviewItem.Status(rawValue: row["status"])
        else { throw StoreError(.corruptRow, "review row \(row["id"] as Int64) does not decode") }
        let resolvedAt: Int64? = row["resolved_at"]
        return ReviewItem(
            id: row["id"], orderID: orderID, reason: reason, detail: row["detail"],
            openedAt: Timestamp(millisecondsSinceEpoch: row["opened_at"]), status: status,
            resolvedAt: resolvedAt.map(Timestamp.init(millisecondsSinceEpoch:)), resolvedBy: row["resolved_by"], note: row["note"]
        )
    }

    /// The next number of the sequence events and audit rows share, so a timeline interleaves them
    /// in the order they were written. Read from the tables once per write transaction, then
    /// counted by the writer (see `WriteCounters`).
    func nextSequence(_ db: Database) throws -> Int64 {
        try writer.counters.next(\.sequence, db) {
            try Int64.fetchOne($0.cachedStatement(sql: "SELECT max(coalesce((SELECT max(seq) FROM order_events), 0), coalesce((SELECT max(seq) FROM audit_log), 0))")) ?? 0
        }
    }

    /// The next inbox id, counted the same way; it continues `AUTOINCREMENT`'s sequence, so an id
    /// is never reused.
    func nextInboxID(_ db: Database) throws -> Int64 {
        try writer.counters.next(\.inboxID, db) {
            try Int64.fetchOne($0.cachedStatement(sql: "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'inbox'), 0), coalesce((SELECT max(id) FROM inbox), 0))")) ?? 0
        }
    }

    func insert(_ event: OrderEvent, orderID: OrderID, _ db: Database) throws {
        try db.cachedStatement(sql: """
                INSERT INTO order_events (seq, order_id, kind, source, from_status, to_status, outcome, attempt, summary,
                  provider_status, evidence_amount_minor, evidence_currency, reference, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                try nextSequence(db), orderID.rawValue, event.kind, event.source.rawValue, event.from?.rawValue, event.to.rawValue, event.outcome.rawValue,
                event.attempt, event.evidence.summary, event.evidence.providerStatus, event.evidence.amount?.minorUnits,
                event.evidence.amount?.currency.code, event.evidence.reference, event.at.millisecondsSinceEpoch,
            ]
        )
    }

    func insert(_ records: [AuditRecord], _ db: Database) throws {
        for record in records {
            try db.cachedStatement(sql: "INSERT INTO audit_log (seq, order_id, kind, summary, detail, latency_ms, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)").execute(arguments: [
                    try nextSequence(db), record.orderID?.rawValue, record.kind.rawValue, record.summary, record.detail, record.latencyMilliseconds,
                    record.error, record.at.millisecondsSinceEpoch,
                ]
            )
        }
    }
}

import GRDB
import GRDBSQLite
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

    /// The order on the current row of `statement`, which selects `orderColumns`.
    static func order(_ statement: SQLiteStatement, _ currencies: CurrencyRegistry) throws -> Order {
        func text(_ index: CInt) -> String? {
            sqlite3_column_type(statement, index) == SQLITE_NULL ? nil : String(sqliteStatement: statement, index: index)
        }
        func integer(_ index: CInt) -> Int64? {
            sqlite3_column_type(statement, index) == SQLITE_NULL ? nil : Int64(sqliteStatement: statement, index: index)
        }
        let id = text(0) ?? "?"
        guard let orderID = OrderID(rawValue: id),
            let account = try? MerchantAccountID(text(1) ?? ""),
            let number = try? MerchantOrderNumber(text(2) ?? ""),
            let provider = try? ProviderID(text(3) ?? ""),
            let minor = integer(4),
            let currency = currencies.currency(code: text(5) ?? ""),
            let subject = text(6),
            let status = OrderStatus(rawValue: text(7) ?? ""),
            let attempt = integer(8), let version = integer(9), let createdAt = integer(11), let updatedAt = integer(12),
            let rung = integer(16), let failures = integer(18)
        else { throw StoreError(.corruptRow, "order row \(id) does not decode") }
        let check = integer(15).map {
            CheckState(anchor: Timestamp(millisecondsSinceEpoch: integer(17) ?? $0), rung: Int(rung), nextAt: Timestamp(millisecondsSinceEpoch: $0), failures: Int(failures))
        }
        let checkoutURL = text(13)
        let checkoutQR = text(14)
        return Order(
            id: orderID, account: account, merchantOrderNumber: number, provider: provider,
            amount: Money(minorUnits: minor, currency: currency), subject: subject, status: status,
            attempt: Int(attempt), version: version, gatewayOrderNumber: text(10),
            createdAt: Timestamp(millisecondsSinceEpoch: createdAt), updatedAt: Timestamp(millisecondsSinceEpoch: updatedAt),
            checkout: checkoutURL == nil && checkoutQR == nil ? nil : Checkout(url: checkoutURL, qrContent: checkoutQR), check: check
        )
    }

    /// The order `sql` (selecting `orderColumns` by a unique key) finds with `values`, if any.
    static func fetchOrder(_ sql: String, _ values: [SQLiteValue], _ currencies: CurrencyRegistry, _ db: Database) throws -> Order? {
        try db.first(sql, values) { try order($0, currencies) }
    }

    /// Every order `statement` (selecting `orderColumns`) finds.
    static func fetchOrders(_ statement: Statement, _ arguments: StatementArguments, _ currencies: CurrencyRegistry) throws -> [Order] {
        try Array(OrderRows(statement, arguments, currencies))
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
            latencyMilliseconds: row["latency_ms"], error: row["error"], operation: row["operation"], outcome: row["outcome"],
            at: Timestamp(millisecondsSinceEpoch: row["at"])
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

    /// The next inbox id, counted the same way. Inbox rows are never deleted, so an id is never
    /// reused.
    func nextInboxID(_ db: Database) throws -> Int64 {
        try writer.counters.next(\.inboxID, db) {
            try Int64.fetchOne($0.cachedStatement(sql: "SELECT coalesce(max(id), 0) FROM inbox")) ?? 0
        }
    }

    func insert(_ event: OrderEvent, orderID: OrderID, _ db: Database) throws {
        try db.run(
            """
            INSERT INTO order_events (seq, order_id, kind, source, from_status, to_status, outcome, attempt, summary,
              provider_status, evidence_amount_minor, evidence_currency, reference, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(try nextSequence(db)), .text(orderID.rawValue), .text(event.kind), .text(event.source.rawValue), .text(event.from?.rawValue),
                .text(event.to.rawValue), .text(event.outcome.rawValue), .integer(event.attempt), .text(event.evidence.summary),
                .text(event.evidence.providerStatus), .integer(event.evidence.amount?.minorUnits), .text(event.evidence.amount?.currency.code),
                .text(event.evidence.reference), .integer(event.at.millisecondsSinceEpoch),
            ])
    }

    func insert(_ records: [AuditRecord], _ db: Database) throws {
        for record in records {
            try db.run(
                "INSERT INTO audit_log (seq, order_id, kind, summary, detail, latency_ms, error, operation, outcome, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    .integer(try nextSequence(db)), .text(record.orderID?.rawValue), .text(record.kind.rawValue), .text(record.summary),
                    .text(record.detail), .integer(record.latencyMilliseconds), .text(record.error), .text(record.operation), .text(record.outcome),
                    .integer(record.at.millisecondsSinceEpoch),
                ])
        }
    }
}

/// The orders of a statement selecting several (a listing, a claim of due checks), each decoded
/// straight from the statement's columns by `SQLiteStore.order`, as `fetchOrder` decodes one.
/// GRDB's `Row` builds an index of lower-cased column names and copies every value of each row
/// fetched through it, which cost more than decoding the order itself.
final class OrderRows: DatabaseCursor {
    typealias Element = Order
    let _statement: Statement
    var _isDone = false
    private let currencies: CurrencyRegistry

    init(_ statement: Statement, _ arguments: StatementArguments, _ currencies: CurrencyRegistry) throws {
        try statement.setArguments(arguments)
        _statement = statement
        self.currencies = currencies
    }

    deinit {
        // A statement stepped to a row but not to its end stays busy until reset.
        sqlite3_reset(_statement.sqliteStatement)
    }

    func _element(sqliteStatement: SQLiteStatement) throws -> Order { try SQLiteStore.order(sqliteStatement, currencies) }
}

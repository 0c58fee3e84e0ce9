import CSQLiteMemory
import GRDB
import GRDBSQLite
import PaySyncCore
import PaySyncStore
import Synchronization

/// The embedded default store: one SQLite file through GRDB.
///
/// WAL journal (readers never wait for the writer), `synchronous = FULL` (a committed transaction
/// survives power loss), foreign keys on, versioned migrations applied at open. Per-order
/// serialization comes from SQLite's single writer: every `updateOrder` runs inside one
/// `BEGIN IMMEDIATE` transaction, so no two writers, in this process or another, can move an
/// order at once.
public final class SQLiteStore: PaySyncStore {
    let pool: DatabasePool
    /// Every write goes through here: concurrent writes share commits.
    let writer: GroupCommitter
    let currencies: CurrencyRegistry

    /// SQLite's memory statistics take a process-wide mutex around each of its allocations, a
    /// dozen per statement; nothing here reads them. They can only be turned off before SQLite's
    /// first connection in the process, so the first store tries once: a process that opened
    /// SQLite before (a test, a tool) keeps them, and works the same.
    public static let memoryStatisticsOff = paysync_sqlite_disable_memory_statistics() == SQLITE_OK

    /// Opens (creating when missing) the database at `path` and migrates it to the latest schema.
    public init(path: String, currencies: CurrencyRegistry = .standard) throws {
        _ = Self.memoryStatisticsOff
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        // A batch that has to isolate its writes runs each in a savepoint (see `GroupCommitter`),
        // and SQLite keeps the original of each page a savepoint changes in a sub-journal so it can
        // roll back to it; each statement that may fail halfway keeps one too. In a temporary file
        // that costs two `pwrite`s per page changed, in memory a copy (D33 in docs/decisions.md).
        // Nothing durable lives there: the sub-journal is discarded when the savepoint is released.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA temp_store = MEMORY") }
        pool = try DatabasePool(path: path, configuration: configuration)
        // After the pool is open: GRDB sets its writer to `synchronous = NORMAL` when it turns WAL
        // on, which survives a crash of the process but not of the machine. An acknowledged
        // callback must survive both, so every commit syncs the WAL.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        writer = GroupCommitter(pool: pool)
        self.currencies = currencies
        try SQLiteMigrations.migrator.migrate(pool)
    }

    /// Write transactions committed since the store opened, how many of them synced, and how many
    /// batches ran again isolated (see `GroupCommitter`): for benchmarks and diagnostics.
    public var writeStatistics: (committed: Int, synced: Int, isolated: Int) {
        (writer.committed.load(ordering: .relaxed), writer.synced.load(ordering: .relaxed), writer.isolated.load(ordering: .relaxed))
    }

    public func insertOrder(_ order: Order, event: OrderEvent, audit: [AuditRecord]) async throws {
        try await writer.write { [self] db in
            do {
                try db.cachedStatement(sql: """
                        INSERT INTO orders (id, account, merchant_order_number, provider, amount_minor, currency, subject,
                          status, attempt, version, gateway_order_number, created_at, updated_at, checkout_url, checkout_qr,
                          next_check_at, check_rung, check_anchor, check_failures)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """).execute(arguments: [
                        order.id.rawValue, order.account.rawValue, order.merchantOrderNumber.rawValue, order.provider.rawValue,
                        order.amount.minorUnits, order.amount.currency.code, order.subject, order.status.rawValue, order.attempt,
                        order.version, order.gatewayOrderNumber, order.createdAt.millisecondsSinceEpoch,
                        order.updatedAt.millisecondsSinceEpoch, order.checkout?.url, order.checkout?.qrContent,
                        order.check?.nextAt.millisecondsSinceEpoch, order.check?.rung ?? 0, order.check?.anchor.millisecondsSinceEpoch,
                        order.check?.failures ?? 0,
                    ]
                )
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
                || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
            {
                throw StoreError(.duplicateOrderNumber, "order \(order.merchantOrderNumber) already exists for account \(order.account)")
            }
            try insert(audit, db)
            try insert(event, orderID: order.id, db)
            try insert(Outbox.orderChanged(from: nil, to: order), db)
        }
    }

    public func order(id: OrderID) async throws -> Order? {
        try await pool.read { [currencies] db in
            try Self.fetchOrder(Self.orderByIDSQL, [.text(id.rawValue)], currencies, db)
        }
    }

    public func order(account: MerchantAccountID, number: MerchantOrderNumber) async throws -> Order? {
        try await pool.read { [currencies] db in
            try Self.fetchOrder(Self.orderByNumberSQL, [.text(account.rawValue), .text(number.rawValue)], currencies, db)
        }
    }

    public func listOrders(_ query: OrderQuery) async throws -> OrderPage {
        let limit = max(1, query.limit)
        let (sql, arguments) = Self.listing(query, limit: limit + 1)
        let fetched = try await pool.read { [arguments, currencies] db in
            try Self.fetchOrders(db.makeStatement(sql: sql), arguments, currencies)
        }
        let orders = Array(fetched.prefix(limit))
        let next = fetched.count > limit ? orders.last.map { OrderCursor(createdAt: $0.createdAt, id: $0.id) } : nil
        return OrderPage(orders: orders, next: next)
    }

    /// The statement listing `query`'s orders, newest first, at most `limit`.
    static func listing(_ query: OrderQuery, limit: Int) -> (sql: String, arguments: StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let account = query.account { clauses.append("account = ?"); arguments += [account.rawValue] }
        if let status = query.status {
            clauses.append("status = ?")
            arguments += [status.rawValue]
            // SQLite uses a partial index only when the query states the index's condition word for
            // word. A settled status reads `orders_by_created` instead.
            if !status.isSettledAttempt { clauses.append(openStatusSQL) }
        }
        if let provider = query.provider { clauses.append("provider = ?"); arguments += [provider.rawValue] }
        if let number = query.number {
            clauses.append("(merchant_order_number = ? OR gateway_order_number = ?)")
            arguments += [number, number]
        }
        if let minimum = query.minimumMinor { clauses.append("amount_minor >= ?"); arguments += [minimum] }
        if let maximum = query.maximumMinor { clauses.append("amount_minor <= ?"); arguments += [maximum] }
        if let from = query.createdFrom { clauses.append("created_at >= ?"); arguments += [from.millisecondsSinceEpoch] }
        if let before = query.createdBefore { clauses.append("created_at < ?"); arguments += [before.millisecondsSinceEpoch] }
        if let after = query.after {
            clauses.append("(created_at, id) < (?, ?)")
            arguments += [after.createdAt.millisecondsSinceEpoch, after.id.rawValue]
        }
        let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        return ("SELECT \(orderColumns) FROM orders \(whereSQL) ORDER BY created_at DESC, id DESC LIMIT \(limit)", arguments)
    }

    /// The condition of `orders_open_by_status` (migration v8): the statuses of
    /// `!OrderStatus.isSettledAttempt`, the only ones that index holds.
    static let openStatusSQL = "status IN ('created', 'pending', 'closing')"

    public func updateOrder<Result: Sendable>(
        id: OrderID, _ change: @escaping @Sendable (Order) throws -> OrderChange<Result>
    ) async throws -> Result {
        try await writer.write { [self] db in
            guard let current = try Self.fetchOrder(Self.orderByIDSQL, [.text(id.rawValue)], currencies, db) else {
                throw StoreError(.orderNotFound, "no order \(id)")
            }
            let outcome = try change(current)
            try commit(outcome, to: current, db)
            return outcome.result
        }
    }

    /// Writes an `OrderChange` made on `current` (whose row this transaction holds).
    func commit<Result>(_ outcome: OrderChange<Result>, to current: Order, _ db: Database) throws {
        let id = current.id
        if let updated = outcome.order {
            if updated.status == current.status, updated.attempt == current.attempt, updated.gatewayOrderNumber == current.gatewayOrderNumber,
                updated.checkout == current.checkout
            {
                // Only the schedule moved (a check that found nothing new). SQLite rewrites every
                // index holding a column named in SET, changed or not: naming `status` here would
                // rewrite the order's entry in `orders_by_status` for nothing.
                try db.run(
                    """
                    UPDATE orders SET updated_at = ?, next_check_at = ?, check_rung = ?, check_anchor = ?, check_failures = ?,
                      lease_owner = NULL, lease_until = NULL, version = version + 1
                    WHERE id = ? AND version = ?
                    """,
                    [
                        .integer(updated.updatedAt.millisecondsSinceEpoch), .integer(updated.check?.nextAt.millisecondsSinceEpoch),
                        .integer(updated.check?.rung ?? 0), .integer(updated.check?.anchor.millisecondsSinceEpoch),
                        .integer(updated.check?.failures ?? 0), .text(id.rawValue), .integer(current.version),
                    ])
            } else {
                try db.run(
                    """
                    UPDATE orders SET status = ?, attempt = ?, gateway_order_number = ?, updated_at = ?, checkout_url = ?, checkout_qr = ?,
                      next_check_at = ?, check_rung = ?, check_anchor = ?, check_failures = ?, lease_owner = NULL, lease_until = NULL,
                      version = version + 1
                    WHERE id = ? AND version = ?
                    """,
                    [
                        .text(updated.status.rawValue), .integer(updated.attempt), .text(updated.gatewayOrderNumber),
                        .integer(updated.updatedAt.millisecondsSinceEpoch), .text(updated.checkout?.url), .text(updated.checkout?.qrContent),
                        .integer(updated.check?.nextAt.millisecondsSinceEpoch), .integer(updated.check?.rung ?? 0),
                        .integer(updated.check?.anchor.millisecondsSinceEpoch), .integer(updated.check?.failures ?? 0), .text(id.rawValue),
                        .integer(current.version),
                    ])
            }
            precondition(db.changesCount == 1, "the order row is locked by this transaction")
        }
        try insert(outcome.audit, db)
        for event in outcome.events { try insert(event, orderID: id, db) }
        let committed = outcome.committed(over: current)
        var events = outcome.order == nil ? [] : try Outbox.orderChanged(from: current, to: committed)
        for review in outcome.reviews {
            // One open item per order and reason: a repeat (a close that keeps finding the wrong
            // amount) goes on the timeline, not into the queue again.
            try db.cachedStatement(sql: """
                    INSERT INTO review_items (order_id, reason, detail, opened_at, status) SELECT ?, ?, ?, ?, 'open'
                    WHERE NOT EXISTS (SELECT 1 FROM review_items WHERE status = 'open' AND order_id = ? AND reason = ?)
                    """).execute(
                arguments: [id.rawValue, review.reason.rawValue, review.detail, review.at.millisecondsSinceEpoch, id.rawValue, review.reason.rawValue])
            guard db.changesCount == 1 else { continue }
            let item = ReviewItem(id: db.lastInsertedRowID, orderID: id, reason: review.reason, detail: review.detail, openedAt: review.at, status: .open)
            events += try Outbox.reviewOpened(item, order: committed)
        }
        try insert(events, db)
    }

    public func events(orderID: OrderID) async throws -> [OrderEvent] {
        try await pool.read { [currencies] db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM order_events WHERE order_id = ? ORDER BY seq"), arguments: [orderID.rawValue])
                .map { try Self.event($0, currencies) }
        }
    }

    public func appendAudit(_ records: [AuditRecord]) async throws {
        try await writer.write { [self] db in try insert(records, db) }
    }

    public func timeline(orderID: OrderID) async throws -> [TimelineEntry] {
        try await pool.read { [currencies] db in
            let events = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM order_events WHERE order_id = ?"), arguments: [orderID.rawValue])
                .map { (($0["seq"] as Int64), TimelineEntry.event(try Self.event($0, currencies))) }
            let audit = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM audit_log WHERE order_id = ?"), arguments: [orderID.rawValue])
                .map { (($0["seq"] as Int64), TimelineEntry.audit(try Self.audit($0))) }
            return (events + audit).sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    public func reviewItems(status: ReviewItem.Status?, limit: Int) async throws -> [ReviewItem] {
        try await pool.read { db in
            let rows =
                if let status {
                    try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM review_items WHERE status = ? ORDER BY id LIMIT ?"), arguments: [status.rawValue, limit])
                } else {
                    try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM review_items ORDER BY id LIMIT ?"), arguments: [limit])
                }
            return try rows.map(Self.reviewItem)
        }
    }

    /// Leases up to `limit` due checks and returns their orders: arguments owner, lease end, now,
    /// now, limit.
    static let claimDueChecksSQL = """
        UPDATE orders SET lease_owner = ?, lease_until = ?
        WHERE rowid IN (
          SELECT rowid FROM orders WHERE next_check_at IS NOT NULL AND next_check_at <= ? AND (lease_until IS NULL OR lease_until < ?)
          ORDER BY next_check_at LIMIT ?)
        RETURNING \(orderColumns)
        """

    public func claimDueChecks(owner: String, now: Timestamp, leaseMilliseconds: Int64, limit: Int) async throws -> [Order] {
        try await writer.write(durable: false) { [currencies] db in
            // One statement leases the batch and returns it. The partial index on next_check_at
            // keeps it O(batch) however many orders are open.
            try Self.fetchOrders(
                db.cachedStatement(sql: Self.claimDueChecksSQL),
                [owner, now.millisecondsSinceEpoch + leaseMilliseconds, now.millisecondsSinceEpoch, now.millisecondsSinceEpoch, limit], currencies
            )
            // RETURNING has no order: most overdue first, as claimed.
            .sorted { ($0.check?.nextAt.millisecondsSinceEpoch ?? 0, $0.id.rawValue) < ($1.check?.nextAt.millisecondsSinceEpoch ?? 0, $1.id.rawValue) }
        }
    }

    public func renewCheckLease(orderID: OrderID, owner: String, leasedUntil: Timestamp, until: Timestamp) async throws -> Bool {
        try await writer.write(durable: false) { db in
            try db.execute(
                sql: "UPDATE orders SET lease_until = ? WHERE id = ? AND lease_owner = ? AND lease_until = ?",
                arguments: [until.millisecondsSinceEpoch, orderID.rawValue, owner, leasedUntil.millisecondsSinceEpoch])
            return db.changesCount == 1
        }
    }

    /// When the next check can be claimed: the earliest `next_check_at`, a leased check counting
    /// from its lease's end. Only checks up to the first one without a live lease can be earlier,
    /// so the partial index on `next_check_at` is read that far, however many orders are open.
    static let nextCheckSQL = """
        SELECT MIN(MAX(next_check_at, COALESCE(lease_until + 1, 0))) FROM orders
        WHERE next_check_at IS NOT NULL AND next_check_at <= COALESCE(
          (SELECT next_check_at FROM orders WHERE next_check_at IS NOT NULL AND (lease_until IS NULL OR lease_until < next_check_at)
           ORDER BY next_check_at LIMIT 1),
          9223372036854775807)
        """

    public func nextDueTime() async throws -> Timestamp? {
        try await pool.read { db in
            let check = try Int64.fetchOne(db.cachedStatement(sql: Self.nextCheckSQL))
            let refund = try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(next_check_at) FROM refunds WHERE next_check_at IS NOT NULL"))
            let payout = try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(next_check_at) FROM payouts WHERE next_check_at IS NOT NULL"))
            return [check, refund, payout].compactMap { $0 }.min().map(Timestamp.init(millisecondsSinceEpoch:))
        }
    }

    public func resolveReview(id: Int64, by: String, note: String, at: Timestamp) async throws -> ReviewItem {
        try await writer.write { [self] db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM review_items WHERE id = ?"), arguments: [id]) else {
                throw StoreError(.reviewNotFound, "no review item \(id)")
            }
            let item = try Self.reviewItem(row)
            guard item.status == .open else { return item }
            try db.cachedStatement(sql: "UPDATE review_items SET status = 'resolved', resolved_at = ?, resolved_by = ?, note = ? WHERE id = ?").execute(arguments: [at.millisecondsSinceEpoch, by, note, id])
            try insert(
                [AuditRecord(orderID: item.orderID, kind: .operator, summary: "review \(id) (\(item.reason.rawValue)) resolved by \(by)", detail: note, at: at)], db)
            guard let resolvedRow = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM review_items WHERE id = ?"), arguments: [id]),
                let account = try String.fetchOne(db.cachedStatement(sql: "SELECT account FROM orders WHERE id = ?"), arguments: [item.orderID.rawValue])
            else { throw StoreError(.corruptRow, "review item \(id) or its order \(item.orderID) vanished inside its transaction") }
            let resolved = try Self.reviewItem(resolvedRow)
            try insert(Outbox.reviewResolved(resolved, account: try MerchantAccountID(account)), db)
            return resolved
        }
    }

    public func close() async throws {
        try pool.close()
    }
}

import PaySyncCore

/// Durable storage for orders, their event log, the audit log and the review queue.
///
/// Every method is one transaction. Drivers (SQLite, PostgreSQL) pass the same conformance suite.
/// Guarantees every driver gives:
/// - `(account, merchantOrderNumber)` is unique: a second `insertOrder` with the same pair throws
///   `StoreError.duplicateOrderNumber` and writes nothing.
/// - `updateOrder` serializes writers per order: `change` runs on the order as committed, under a
///   lock no other writer of that order can hold (SQLite: the database's single writer;
///   PostgreSQL: `SELECT … FOR UPDATE`). What it returns — the new order, events, audit rows,
///   review items — commits together or not at all, and the order's `version` rises by one.
/// - Event and audit logs are append-only and read back in the order they were written.
public protocol PaySyncStore: Sendable {
    /// Inserts a new order with its first event and audit rows.
    func insertOrder(_ order: Order, event: OrderEvent, audit: [AuditRecord]) async throws

    func order(id: OrderID) async throws -> Order?
    func order(account: MerchantAccountID, number: MerchantOrderNumber) async throws -> Order?

    /// Orders newest first, filtered, one page at a time.
    func listOrders(_ query: OrderQuery) async throws -> OrderPage

    /// Runs `change` on the committed order under its lock and commits what it returns.
    /// Throws `StoreError.orderNotFound` when there is no such order, and rethrows `change`'s
    /// errors after rolling back.
    func updateOrder<Result: Sendable>(
        id: OrderID, _ change: @escaping @Sendable (Order) throws -> OrderChange<Result>
    ) async throws -> Result

    /// The order's events, oldest first.
    func events(orderID: OrderID) async throws -> [OrderEvent]

    /// Appends audit rows that belong to no transition (e.g. a refused API request).
    func appendAudit(_ records: [AuditRecord]) async throws

    /// The audit rows that concern an order, oldest first.
    func audit(orderID: OrderID) async throws -> [AuditRecord]

    /// The order's events and audit rows interleaved in the order they were written.
    func timeline(orderID: OrderID) async throws -> [TimelineEntry]

    /// Review items, oldest first; only those with `status` when given.
    func reviewItems(status: ReviewItem.Status?, limit: Int) async throws -> [ReviewItem]

    /// Finishes pending work and releases the database. No call may follow.
    func close() async throws
}

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
///
/// The closures given to a write (`change`, `decide`) may run more than once — a driver may roll
/// its transaction back and run it again (SQLite's group commit does when a write in a shared
/// batch fails) — and only the run that commits counts. They must compute from what they are
/// given and act on nothing outside their result.
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

    /// Leases up to `limit` orders whose check is due at `now` and not leased (or whose lease has
    /// expired: a crashed instance's checks return after `leaseMilliseconds`), earliest due first.
    /// The next write of an order releases its lease. PostgreSQL: `FOR UPDATE SKIP LOCKED`.
    func claimDueChecks(owner: String, now: Timestamp, leaseMilliseconds: Int64, limit: Int) async throws -> [Order]

    /// Moves the end of `owner`'s lease on the order's check from `leasedUntil` (where its claim
    /// set it) to `until`, so that nobody claims the check while `owner` makes a gateway call with
    /// an effect. `false` when that lease is gone — the check was claimed again (by another
    /// instance or by `owner`) or a write released it — and the caller must not act on the check.
    func renewCheckLease(orderID: OrderID, owner: String, leasedUntil: Timestamp, until: Timestamp) async throws -> Bool

    /// When the earliest scheduled check, refund or payout follow-up becomes claimable (a leased check
    /// counts from its lease's end), or `nil` when nothing is scheduled. A driver of time — the demo's
    /// simulated clock — jumps to it instead of ticking; the reconciler asks it before claiming, so an
    /// idle run writes nothing. Drivers answer from the due indexes, not by reading every open order.
    func nextDueTime() async throws -> Timestamp?

    /// The order's events, oldest first.
    func events(orderID: OrderID) async throws -> [OrderEvent]

    /// Appends audit rows that belong to no transition (e.g. a refused API request).
    func appendAudit(_ records: [AuditRecord]) async throws

    /// The order's events and audit rows interleaved in the order they were written.
    func timeline(orderID: OrderID) async throws -> [TimelineEntry]

    /// Review items, oldest first; only those with `status` when given.
    func reviewItems(status: ReviewItem.Status?, limit: Int) async throws -> [ReviewItem]

    /// Closes a review item with who closed it and why, and an operator audit row, together.
    /// Throws `StoreError.reviewNotFound`; resolving a resolved item changes nothing.
    func resolveReview(id: Int64, by: String, note: String, at: Timestamp) async throws -> ReviewItem

    // MARK: Refunds

    /// Inserts the refund `make` returns, in one transaction holding the order's lock, so the
    /// paid-amount rule `make` checks against the order's existing refunds cannot race.
    /// Throws `StoreError.duplicateRefundNumber` when the account already has that refund number.
    func insertRefund(
        orderID: OrderID, _ make: @escaping @Sendable (Order, [Refund]) throws -> (Refund, [AuditRecord])
    ) async throws -> Refund

    /// Runs `change` on the committed refund and writes what it returns (`nil`: only the audit rows).
    func updateRefund(id: String, _ change: @escaping @Sendable (Refund) throws -> (Refund?, [AuditRecord])) async throws -> Refund

    /// The order's refunds, oldest first.
    func refunds(orderID: OrderID) async throws -> [Refund]

    /// Refunds whose follow-up is due, earliest first; each is pushed `leaseMilliseconds` ahead
    /// so no other claimer takes it while it is worked.
    func claimDueRefunds(now: Timestamp, leaseMilliseconds: Int64, limit: Int) async throws -> [Refund]

    // MARK: Payouts

    /// Inserts a payout with its audit rows. Throws `StoreError.duplicatePayoutNumber` when the
    /// account already has that payout number.
    func insertPayout(_ payout: Payout, audit: [AuditRecord]) async throws

    /// Runs `change` on the committed payout and writes what it returns (`nil`: only the audit rows).
    func updatePayout(id: String, _ change: @escaping @Sendable (Payout) throws -> (Payout?, [AuditRecord])) async throws -> Payout

    func payout(id: String) async throws -> Payout?
    func payout(account: MerchantAccountID, number: String) async throws -> Payout?

    /// Payouts whose follow-up is due, earliest first; each is pushed `leaseMilliseconds` ahead so
    /// no other claimer takes it while it is worked.
    func claimDuePayouts(now: Timestamp, leaseMilliseconds: Int64, limit: Int) async throws -> [Payout]

    // MARK: Inbox

    /// Marks an entry refused (`verdict: rejected`) with a reason code — a `.new` one is recorded
    /// with that verdict in one write. `claimedNumber`, the merchant's number the unverified body
    /// names, is kept so the entry shows on that order's timeline. Returns the entry's id.
    @discardableResult
    func rejectInbox(_ subject: InboxSubject, reason: String, detail: String, claimedNumber: String?) async throws -> Int64

    /// Resolves a verified callback, in one transaction. A `.new` subject is recorded in it, with
    /// its verdict; when the resolution cannot commit it is recorded `received` on its own
    /// (`.notCommitted`), and throwing means nothing was recorded. Then: if another entry of the
    /// provider carries `dedupKey`, this one becomes its duplicate and nothing else happens;
    /// otherwise the key is claimed (unique per provider, forever), the record `target` names is
    /// loaded under its lock (an order, refund or payout of `account`), `decide` runs on it (or on
    /// `nil`) with the entry's id, and the decision's change and the entry's verdict commit
    /// together. `decide` is the one place the driver calls back into the engine.
    func resolveInbox(
        _ subject: InboxSubject, provider: ProviderID, account: MerchantAccountID, dedupKey: String, target: CallbackTarget,
        _ decide: @escaping @Sendable (CallbackRecord?, Int64) throws -> CallbackDecision
    ) async throws -> InboxResolution

    /// Takes a `rejected` or `parked` entry back to `received` for an operator's replay, its
    /// reason and detail cleared; `false` when it is not (any more) in one of those verdicts — a
    /// concurrent replay took it, or it was judged meanwhile. A replay that then does not commit
    /// leaves it `received`, for start-up's replay.
    func reopenInbox(id: Int64) async throws -> Bool

    /// An entry by id (an operator's view of one callback, and its replay).
    func inboxEntry(id: Int64) async throws -> InboxEntry?

    /// Recorded callbacks matching `query`, newest first, whatever their verdict: refused ones
    /// included.
    func inbox(_ query: InboxQuery) async throws -> InboxPage

    /// The newest `limit` entries of `account` naming any of `numbers` (an order's, and its
    /// refunds'), whatever their verdict — refused ones by the number they claimed — oldest first.
    func inboxEntries(account: MerchantAccountID, naming numbers: [String], limit: Int) async throws -> [InboxEntry]

    /// Entries parked for an order number that had no order yet, oldest first.
    func parkedInbox(provider: ProviderID, account: MerchantAccountID, merchantOrderNumber: String) async throws -> [InboxEntry]

    /// Entries still `received` (their resolution never finished: a crash), oldest first.
    func unresolvedInbox(limit: Int) async throws -> [InboxEntry]

    // MARK: Events

    /// Inserts an endpoint. Every write above also writes, in its own transaction, the events its
    /// change produces (`Outbox`), numbered in the account's commit order, and a pending delivery
    /// of each to every enabled endpoint of the account that selects its type, due at once.
    func insertEndpoint(_ endpoint: WebhookEndpoint) async throws

    func endpoint(id: String) async throws -> WebhookEndpoint?

    /// The account's endpoints (every account's with `nil`), oldest first.
    func endpoints(account: MerchantAccountID?) async throws -> [WebhookEndpoint]

    /// Runs `change` on the committed endpoint and writes what it returns. Throws
    /// `StoreError.endpointNotFound`.
    func updateEndpoint(id: String, _ change: @escaping @Sendable (WebhookEndpoint) throws -> WebhookEndpoint) async throws -> WebhookEndpoint

    /// Deletes an endpoint with its deliveries and their attempts; the events stay.
    /// Throws `StoreError.endpointNotFound`.
    func deleteEndpoint(id: String) async throws

    /// One account's events in commit order, filtered, one page at a time.
    func events(_ query: EventQuery) async throws -> EventPage

    func event(id: String) async throws -> OutboxEvent?

    /// Leases pending deliveries due at `now` (or whose lease expired) to enabled endpoints: up to
    /// `perEndpoint` minus the endpoint's `busy` count for each, earliest due first, `limit` in
    /// all. A lease pushes the delivery's next attempt `leaseMilliseconds` ahead, so a crashed
    /// instance's deliveries return then. PostgreSQL: `FOR UPDATE SKIP LOCKED`, so instances never
    /// claim the same delivery while its lease lives.
    func claimDueDeliveries(now: Timestamp, leaseMilliseconds: Int64, perEndpoint: Int, busy: [String: Int], limit: Int) async throws
        -> [DeliveryJob]

    /// Records an attempt and what it decided — the delivery's status and next attempt, the
    /// endpoint's run of failures or its disabling — together, releasing the lease. The write may
    /// return before it is synced to disk: a power cut can undo it, and the event is then sent
    /// again with the same id — delivered at least once, never lost.
    func finishDelivery(_ finish: DeliveryFinish) async throws

    /// The event's attempts to every endpoint, oldest first.
    func attempts(eventID: String) async throws -> [DeliveryAttempt]

    /// The event's deliveries, one per endpoint it was sent to.
    func deliveries(eventID: String) async throws -> [Delivery]

    /// Sends the event again to every enabled endpoint of its account that selects its type:
    /// each delivery becomes pending, due at `at` (one is created where none exists). Returns how
    /// many. Throws `StoreError.eventNotFound`.
    func redeliver(eventID: String, at: Timestamp) async throws -> Int

    /// Makes every event of the endpoint's account and types that occurred at or after `since`
    /// and was not delivered to it pending again, due at `at`, in commit order. Returns how many.
    /// Throws `StoreError.endpointNotFound`.
    func recover(endpointID: String, since: Timestamp, at: Timestamp) async throws -> Int

    /// When the earliest pending delivery to an enabled endpoint becomes claimable, or `nil`.
    func nextDeliveryTime() async throws -> Timestamp?

    /// How many events have been written, every account together: the sum of each account's last
    /// position (positions are dense), so one index entry per account is read, not every event.
    func eventsWritten() async throws -> Int64

    // MARK: Operations

    /// The counts of `query`, for the console's front page and the metrics.
    func summary(_ query: SummaryQuery) async throws -> OperationsSummary

    /// Up to `limit` stuck open orders (`stuckFailures` or more failed checks in a row, most
    /// first) and up to `limit` orders whose check is due at `now` (earliest first).
    func checkBacklog(now: Timestamp, stuckFailures: Int, limit: Int) async throws -> CheckBacklog

    // MARK: Console

    /// Inserts an operator. Throws `StoreError.duplicateOperator` when the name is taken.
    func insertOperator(_ consoleOperator: ConsoleOperator) async throws

    func consoleOperator(name: String) async throws -> ConsoleOperator?

    /// Every operator, by name.
    func consoleOperators() async throws -> [ConsoleOperator]

    /// Stores a console session's data under `key` (a hash of its cookie, never the cookie),
    /// replacing what the key held. `expiresAt` `nil` keeps the key's expiry. Sessions expired at
    /// `now` are deleted in the same write.
    func putSession(key: String, data: [UInt8], expiresAt: Timestamp?, now: Timestamp) async throws

    /// A session's data; `nil` when there is none or it expired at `now`.
    func session(key: String, now: Timestamp) async throws -> StoredSession?

    /// Deletes a session (signing out); deleting a missing one changes nothing.
    func removeSession(key: String) async throws

    /// Finishes pending work and releases the database. No call may follow.
    func close() async throws
}

import PaySyncCore

/// What the console's front page and the metrics count, as of `now`; every count is read from an
/// index (today's orders, orders with a check, open review items, refused callbacks, failed
/// deliveries), never from a whole table.
public struct SummaryQuery: Hashable, Sendable {
    public var now: Timestamp
    /// Starts of the periods counted (today, the last hour), each up to `now`.
    public var periods: [Timestamp]
    /// A check due longer ago than this is overdue: the reconciler is behind, or down.
    public var overdueMilliseconds: Int64
    /// Consecutive failed checks (timeouts, 5xx, unreadable answers) that make an open order stuck.
    public var stuckFailures: Int

    public init(now: Timestamp, periods: [Timestamp], overdueMilliseconds: Int64, stuckFailures: Int) {
        self.now = now
        self.periods = periods
        self.overdueMilliseconds = overdueMilliseconds
        self.stuckFailures = stuckFailures
    }
}

public struct OperationsSummary: Hashable, Sendable {
    public struct Period: Hashable, Sendable {
        public var since: Timestamp
        /// Orders created in the period, by their status now.
        public var ordersByStatus: [OrderStatus: Int]
        /// Callbacks received in the period and refused.
        public var refusedCallbacks: Int

        public init(since: Timestamp, ordersByStatus: [OrderStatus: Int], refusedCallbacks: Int) {
            self.since = since
            self.ordersByStatus = ordersByStatus
            self.refusedCallbacks = refusedCallbacks
        }
    }

    public var periods: [Period]
    /// Orders with a check scheduled: open ones, and closed ones still watched.
    public var checksScheduled: Int
    /// Checks whose time has come (a leased check counts from its lease's end).
    public var checksDue: Int
    /// Checks due longer than `SummaryQuery.overdueMilliseconds`.
    public var checksOverdue: Int
    /// Open orders whose checks failed `SummaryQuery.stuckFailures` times in a row or more.
    public var stuckOrders: Int
    /// Open review items by reason.
    public var openReviews: [ReviewReason: Int]
    /// Deliveries of events that ran out of attempts (`failed`), every endpoint together.
    public var failedDeliveries: Int

    public init(
        periods: [Period], checksScheduled: Int, checksDue: Int, checksOverdue: Int, stuckOrders: Int, openReviews: [ReviewReason: Int],
        failedDeliveries: Int
    ) {
        self.periods = periods
        self.checksScheduled = checksScheduled
        self.checksDue = checksDue
        self.checksOverdue = checksOverdue
        self.stuckOrders = stuckOrders
        self.openReviews = openReviews
        self.failedDeliveries = failedDeliveries
    }
}

/// Orders an operator should look at: open ones whose gateway keeps giving no answer, and the
/// checks that have waited longest past their time.
public struct CheckBacklog: Hashable, Sendable {
    /// Open orders with `stuckFailures` or more failed checks in a row, most failures first.
    public var stuck: [Order]
    /// Orders whose check is due, earliest due first.
    public var due: [Order]

    public init(stuck: [Order], due: [Order]) {
        self.stuck = stuck
        self.due = due
    }
}

import Logging
import Metrics
import PaySyncCore
import PaySyncStore

/// The state of the whole system as the people who run payments see it — the console's front
/// page and its stuck page — and as Prometheus scrapes it (`refreshMetrics`, before each scrape).
public struct OperationsService: Sendable {
    /// What counts as late and as stuck.
    public struct Policy: Sendable {
        /// A check due longer ago than this is overdue (default 60 s: the reconciler polls every second).
        public var overdueMilliseconds: Int64 = 60_000
        /// Failed checks in a row that make an open order stuck (default 3: about a minute of a
        /// gateway answering nothing, with the default backoff).
        public var stuckFailures = 3

        public init() {}
    }

    let store: any PaySyncStore
    let clock: any PaySyncClock
    public let policy: Policy
    let metrics: OperationsMetrics
    let logger: Logger
    private let streaks = FailureStreaks()

    public init(store: any PaySyncStore, clock: any PaySyncClock, policy: Policy = Policy(), metrics: OperationsMetrics, logger: Logger) {
        self.store = store
        self.clock = clock
        self.policy = policy
        self.metrics = metrics
        self.logger = logger
    }

    /// Counts for today (from 00:00 UTC) and the last hour, and the checks, reviews and deliveries now.
    public func summary() async throws -> OperationsSummary {
        let now = clock.now()
        let today = now.adding(milliseconds: -(now.millisecondsSinceEpoch % 86_400_000))
        return try await store.summary(
            SummaryQuery(
                now: now, periods: [today, now.adding(milliseconds: -3_600_000)], overdueMilliseconds: policy.overdueMilliseconds,
                stuckFailures: policy.stuckFailures))
    }

    public func backlog(limit: Int = 50) async throws -> CheckBacklog {
        try await store.checkBacklog(now: clock.now(), stuckFailures: policy.stuckFailures, limit: limit)
    }

    public var now: Timestamp { clock.now() }

    /// Reads the counts into the gauges; a store that cannot answer is logged once per streak and
    /// leaves the gauges at their last values.
    public func refreshMetrics() async {
        do {
            metrics.record(try await summary())
            if let failures = streaks.succeeded("metrics") { logger.notice("operations metrics read again", metadata: ["paysync.failures": "\(failures)"]) }
        } catch {
            if streaks.failed("metrics") { logger.error("operations metrics cannot be read", metadata: ["error": "\(error)"]) }
        }
    }
}

/// Gauges of the whole system, read from the store before each scrape, the same on every instance:
/// - `paysync_checks{state}`: orders with a check `scheduled`, `due` now, `overdue` (due longer
///   than the policy's margin: the reconciler is behind or down)
/// - `paysync_orders_stuck`: open orders whose gateway failed their checks `stuckFailures` times in a row
/// - `paysync_review_items_open{reason}`: open review items by reason (every reason, 0 included)
/// - `paysync_deliveries_failed`: event deliveries that ran out of attempts
/// and a counter of this instance's work: `paysync_checks_run_total` (checks committed).
public final class OperationsMetrics: Sendable {
    private let scheduled: Gauge
    private let due: Gauge
    private let overdue: Gauge
    private let stuck: Gauge
    private let reviews: [ReviewReason: Gauge]
    private let failedDeliveries: Gauge
    let checksRun: Counter

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        scheduled = Gauge(label: "paysync_checks", dimensions: [("state", "scheduled")], factory: factory)
        due = Gauge(label: "paysync_checks", dimensions: [("state", "due")], factory: factory)
        overdue = Gauge(label: "paysync_checks", dimensions: [("state", "overdue")], factory: factory)
        stuck = Gauge(label: "paysync_orders_stuck", dimensions: [], factory: factory)
        reviews = Dictionary(
            uniqueKeysWithValues: ReviewReason.allCases.map {
                ($0, Gauge(label: "paysync_review_items_open", dimensions: [("reason", $0.rawValue)], factory: factory))
            })
        failedDeliveries = Gauge(label: "paysync_deliveries_failed", dimensions: [], factory: factory)
        checksRun = Counter(label: "paysync_checks_run_total", dimensions: [], factory: factory)
    }

    func record(_ summary: OperationsSummary) {
        scheduled.record(summary.checksScheduled)
        due.record(summary.checksDue)
        overdue.record(summary.checksOverdue)
        stuck.record(summary.stuckOrders)
        for (reason, gauge) in reviews { gauge.record(summary.openReviews[reason] ?? 0) }
        failedDeliveries.record(summary.failedDeliveries)
    }
}

import Logging
import PaySyncCore
import PaySyncStore

/// The order verification a front end calls after its payment UI said "Success", "Error", timed
/// out, or the customer pressed "Payment Completed" (seed 000 §3): final orders answer from the
/// store; others are queried at the gateway at once, and with `wait` the answer is held until the
/// order is final or the time is up — replacing the front end's "poll every 2 s for 60 s".
public struct Verifier: Sendable {
    /// What the front end saw.
    public enum Report: String, Sendable, CaseIterable {
        case canceledByUser = "canceled_by_user"
        case success, error, timeout
        case completed
    }

    /// What the front end should show.
    public enum Display: String, Sendable {
        /// Show "Payment Success".
        case paid
        /// Unpaid: tell the customer to check the order later and not to pay again.
        case notPaidCheckLater = "not_paid_check_later"
        /// The order is closed: it will not be paid.
        case closed
    }

    let store: any PaySyncStore
    let reconciler: Reconciler
    let clock: any PaySyncClock
    let gate: QueryGate
    let logger: Logger

    /// - Parameter minimumQueryIntervalMilliseconds: front-end queries of one order closer than
    ///   this answer from the store instead of calling the gateway again (rate limit).
    public init(
        store: any PaySyncStore, reconciler: Reconciler, clock: any PaySyncClock, minimumQueryIntervalMilliseconds: Int64 = 2_000,
        logger: Logger = Logger(label: "paysync.verifier")
    ) {
        self.logger = logger
        self.store = store
        self.reconciler = reconciler
        self.clock = clock
        gate = QueryGate(minimumIntervalMilliseconds: minimumQueryIntervalMilliseconds)
    }

    public static let maximumWaitMilliseconds: Int64 = 60_000

    /// A query of `order` through the same coalescing, rate-limited gate as front-end checks, after
    /// a `cause` that says the gateway may know more (a well-formed callback whose signature
    /// failed, a reported UTR); a failure is logged with the cause.
    public func queryRateLimited(_ order: Order, after cause: String) async {
        do {
            _ = try await gate.query(order, now: clock.now()) { [reconciler] in try await reconciler.checkNow($0) }
        } catch {
            logger.error(
                "query after \(cause) failed", metadata: ["paysync.order": "\(order.id)", "paysync.provider": "\(order.provider)", "error": "\(error)"])
        }
    }

    public func verify(_ id: OrderID, report: Report?, waitMilliseconds: Int64) async throws -> (Order, Display) {
        guard var order = try await store.order(id: id) else { throw OrderService.notFound(id) }
        if let report {
            try await store.appendAudit([AuditRecord(orderID: id, kind: .inbound, summary: "front end reported \(report.rawValue)", at: clock.now())])
        }
        // "Canceled by user": unpaid, no gateway call (seed 000 §3.1).
        if report == .canceledByUser || order.status.isSettledAttempt || order.status == .closing {
            return (order, Self.display(order))
        }
        order = try await gate.query(order, now: clock.now()) { [reconciler] in try await reconciler.checkNow($0) }
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(min(waitMilliseconds, Self.maximumWaitMilliseconds)))
        while !order.status.isSettledAttempt, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            order = try await store.order(id: id) ?? order
        }
        return (order, Self.display(order))
    }

    static func display(_ order: Order) -> Display {
        switch order.status {
        case .paid: .paid
        case .canceled: .closed
        case .created, .pending, .closing, .failed, .expired: .notPaidCheckLater
        }
    }
}

/// Coalesces and rate-limits front-end queries: concurrent verifications of one order share one
/// gateway call, and one order is queried at most once per interval.
actor QueryGate {
    private var inFlight: [OrderID: Task<Order, any Error>] = [:]
    private var lastQueried: [OrderID: Timestamp] = [:]
    let minimumIntervalMilliseconds: Int64

    init(minimumIntervalMilliseconds: Int64) {
        self.minimumIntervalMilliseconds = minimumIntervalMilliseconds
    }

    func query(_ order: Order, now: Timestamp, _ run: @escaping @Sendable (Order) async throws -> Order) async throws -> Order {
        if let running = inFlight[order.id] { return try await running.value }
        if let last = lastQueried[order.id], now.millisecondsSinceEpoch - last.millisecondsSinceEpoch < minimumIntervalMilliseconds { return order }
        let task = Task { try await run(order) }
        inFlight[order.id] = task
        lastQueried[order.id] = now
        defer { inFlight[order.id] = nil }
        return try await task.value
    }
}

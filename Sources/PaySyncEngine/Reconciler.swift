import Logging
import Metrics
import PaySyncCore
import PaySyncGateways
import PaySyncStore
import ServiceLifecycle

/// How the reconciler works a backlog.
public struct ReconcilerPolicy: Sendable {
    /// Checks leased per claim.
    public var batchSize = 64
    /// The most claims of checks one `runDueChecks` makes (pipelined).
    public var claimsPerRun = 16
    /// How long a claimed check is ours; a crashed instance's checks return after it.
    public var leaseMilliseconds: Int64 = 30_000
    /// Waits after consecutive gateway failures (timeouts, 5xx, unreadable answers); the last repeats.
    public var failureBackoffMilliseconds: [Int64] = [5_000, 15_000, 30_000, 60_000, 300_000]
    /// How often an idle reconciler looks for due checks (wall clock).
    public var idleMilliseconds: UInt64 = 250
    /// Waits (wall clock) after consecutive failed runs — a store that cannot be read or written;
    /// the last repeats until a run succeeds.
    public var storeBackoffMilliseconds: [UInt64] = [1_000, 5_000, 15_000, 30_000]
    /// The most queries in flight to one gateway, so a backlog never floods it.
    public var perGatewayConcurrency = 16
    /// After every close — canceled at the gateway, or closed here because the gateway has no
    /// cancel API (NewPay, PayZApp) and still holds the order open until its own expiry — the
    /// order is queried again this long after it (at the next whole minute), so a payment that
    /// landed in the race with the cancel, or after it, reaches review even when every callback
    /// is lost.
    public var watchAfterCloseMilliseconds: [Int64] = [3_600_000, 21_600_000, 86_400_000]
    /// Whether money that lands on a closed order (callback or query) is refunded in full
    /// automatically, besides the review item. Off by default: an operator decides.
    public var refundPaidAfterClose = false

    public init() {}
}

/// Recovers missed callbacks: claims orders whose check is due, queries their gateway, and applies
/// what it says through the same compare-and-set path as a callback (a query never undoes what a
/// callback established). After the ladder's last rung an order still unpaid is closed: moved to
/// `closing`, queried once more, then canceled at the gateway — or recorded paid if the gateway
/// says so (never cancel a paid order). Gateways without a cancel API expire it locally.
public struct Reconciler: Service {
    let store: any PaySyncStore
    public let gateways: GatewayClient
    let clock: any PaySyncClock
    let schedules: @Sendable (ProviderID) -> any CheckSchedule
    let policy: ReconcilerPolicy
    /// Follows refunds that are not final.
    let refunds: RefundService?
    /// Follows payouts that are not final.
    let payouts: PayoutService?
    let owner: String
    let logger: Logger
    /// Failed check commits in a row: the first is logged, and the first success after them.
    let commitStreaks = FailureStreaks()
    /// Counts the checks this instance committed (`paysync_checks_run_total`).
    let checksRun: Counter?

    public init(
        store: any PaySyncStore, gateways: GatewayClient, clock: any PaySyncClock, schedules: OrderPolicy,
        policy: ReconcilerPolicy = ReconcilerPolicy(), refunds: RefundService? = nil, payouts: PayoutService? = nil, owner: String,
        metrics: OperationsMetrics? = nil, logger: Logger = Logger(label: "paysync.reconciler")
    ) {
        checksRun = metrics?.checksRun
        self.refunds = refunds
        self.payouts = payouts
        self.store = store
        self.gateways = gateways
        self.clock = clock
        self.schedules = { [schedules] in schedules.schedule(for: $0) }
        self.policy = policy
        self.owner = owner
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var failures = 0
            while !Task.isCancelled {
                var pause = policy.idleMilliseconds
                do {
                    let worked = try await runDueChecks()
                    if failures > 0 {
                        logger.notice("reconciler recovered", metadata: ["paysync.failures": "\(failures)"])
                        failures = 0
                    }
                    if worked > 0 { continue }
                } catch {
                    if Task.isCancelled { return }  // shutting down mid-run: no failure
                    // The store (or a claim) is failing: log the streak once, then back off.
                    if failures == 0 { logger.error("reconciler failing; backing off", metadata: ["error": "\(error)"]) }
                    pause = policy.storeBackoffMilliseconds[min(failures, policy.storeBackoffMilliseconds.count - 1)]
                    failures += 1
                }
                do { try await Task.sleep(nanoseconds: pause * 1_000_000) } catch { return }  // canceled: shutting down
            }
        }
    }

    /// Claims the checks due now and runs them; returns how many ran. Tests call this on a manual clock.
    ///
    /// A check has two phases: its gateway calls, then the write of their outcome. At most
    /// `perGatewayConcurrency` checks per gateway are in their gateway phase; a check leaves it
    /// when its answer is in, so a slot never waits on another check's commit. Claims are
    /// pipelined: the next batch is claimed once fewer than half a batch of claimed checks wait to
    /// start (and fewer than a batch wait to be written), while the rest run, so no batch waits for
    /// its slowest check and no check waits for a claim. At most two and a half batches, plus the
    /// checks in their gateway phase, are held in memory. One call claims at
    /// most `claimsPerRun` batches; due refunds and payouts are claimed and followed up beside them.
    /// A failed claim is thrown once the checks already started have finished.
    @discardableResult
    public func runDueChecks() async throws -> Int {
        // Claims are write transactions on every driver: when nothing can be claimed yet, a read
        // says so without taking the writer from the callbacks.
        guard let due = try await store.nextDueTime(), due <= clock.now() else { return 0 }
        // Refunds and payouts are claimed beside the first batch of checks, so on SQLite the three
        // claims share one commit instead of two more turns at the writer after the checks.
        async let followed = followUpRefundsAndPayouts()
        var ran = 0
        var failedCommits: [CommitFailure] = []
        var claimFailure: (any Error)?
        await withTaskGroup(of: CheckProgress.self) { group in
            var waiting: [ProviderID: ArraySlice<LeasedCheck>] = [:]
            // Checks in their gateway phase, per gateway; checks whose outcome is being written.
            var asking: [ProviderID: Int] = [:]
            var committing = 0
            var claims = 0
            var moreDue = true
            // A claim runs as a task of its own, so checks go on starting while it waits its turn
            // at the writer; one at a time.
            var claiming = false
            while true {
                // Claimed, not yet started.
                let queued = waiting.values.reduce(0) { $0 + $1.count }
                if moreDue, !claiming, queued < max(1, policy.batchSize / 2), committing < policy.batchSize {
                    claiming = true
                    claims += 1
                    group.addTask {
                        do {
                            let now = self.clock.now()
                            let due = try await self.store.claimDueChecks(
                                owner: self.owner, now: now, leaseMilliseconds: self.policy.leaseMilliseconds, limit: self.policy.batchSize)
                            let leasedUntil = now.adding(milliseconds: self.policy.leaseMilliseconds)
                            return .claimed(due.map { LeasedCheck(order: $0, leasedUntil: leasedUntil) })
                        } catch {
                            return .claimFailed(error)
                        }
                    }
                }
                for (provider, orders) in waiting where !orders.isEmpty {
                    var orders = orders
                    while asking[provider, default: 0] < policy.perGatewayConcurrency, let check = orders.popFirst() {
                        asking[provider, default: 0] += 1
                        group.addTask { .answered(provider, check.order.id, await self.ask(check)) }
                    }
                    waiting[provider] = orders
                }
                // Nothing in the group means nothing claimed is left and no more is due.
                guard let progress = await group.next() else { return }
                switch progress {
                case .claimed(let due):
                    claiming = false
                    moreDue = due.count == policy.batchSize && claims < policy.claimsPerRun
                    for check in due { waiting[check.order.provider, default: []].append(check) }
                case .claimFailed(let error):
                    claiming = false
                    claimFailure = error
                    moreDue = false
                case .answered(let provider, let id, let commit):
                    asking[provider, default: 0] -= 1
                    committing += 1
                    group.addTask {
                        do {
                            try await commit()
                            return .committed(nil)
                        } catch {
                            return .committed(CommitFailure(order: id, provider: provider, error: error))
                        }
                    }
                case .committed(let failure):
                    committing -= 1
                    if let failure {
                        failedCommits.append(failure)
                    } else {
                        ran += 1
                        checksRun?.increment()
                    }
                }
            }
        }
        let refundsAndPayouts: Result<Int, any Error>
        do { refundsAndPayouts = .success(try await followed) } catch { refundsAndPayouts = .failure(error) }
        // A claim that failed is reported once the checks already started have finished.
        if let claimFailure { throw claimFailure }
        // A failed commit leaves its check due again once its lease ends. The first of a streak is
        // logged with its order; a run in which no commit succeeded fails, so `run` backs off.
        if let first = failedCommits.first {
            if commitStreaks.failed("commit") {
                logger.error(
                    "checks cannot be committed", metadata: ["paysync.order": "\(first.order)", "paysync.provider": "\(first.provider)", "error": "\(first.error)"])
            }
            if ran == 0 { throw first.error }
        } else if ran > 0, let failures = commitStreaks.succeeded("commit") {
            logger.notice("checks are committed again", metadata: ["paysync.failures": "\(failures)"])
        }
        return ran + (try refundsAndPayouts.get())
    }

    /// What is left of a check once its gateway calls are answered: writing their outcome.
    typealias Commit = @Sendable () async throws -> Void

    /// A claimed check and where its claim set the end of its lease.
    struct LeasedCheck: Sendable {
        let order: Order
        let leasedUntil: Timestamp
    }

    enum CheckProgress: Sendable {
        case claimed([LeasedCheck])
        case claimFailed(any Error)
        /// The check's gateway phase is over (its slot is free); `Commit` writes the outcome.
        case answered(ProviderID, OrderID, Commit)
        /// The outcome is written, or its write failed.
        case committed(CommitFailure?)
    }

    struct CommitFailure: Sendable {
        let order: OrderID
        let provider: ProviderID
        let error: any Error
    }

    /// A check's gateway phase: makes its calls and returns the write of what they said.
    func ask(_ check: LeasedCheck) async -> Commit {
        let order = check.order
        let kind = CheckKind(status: order.status)
        do {
            guard let (answer, audit) = try await call(kind, about: order, leasedUntil: check.leasedUntil) else { return {} }
            return { try await self.commit(kind, answer, about: order, audit: audit) }
        } catch {
            return { throw error }
        }
    }

    /// The gateway calls of a check of `kind`: a query, then — in a close that found the
    /// payment open — the cancel. Returns the answer and the calls' audit rows, or `nil` when the
    /// check's lease (ending at `leasedUntil`; `nil` for a check made on demand, which never
    /// cancels) passed to another claim before the cancel: the query is audited and the check is
    /// left to that claim.
    func call(_ kind: CheckKind, about order: Order, leasedUntil: Timestamp?) async throws -> (CheckAnswer, [AuditRecord])? {
        guard kind != .settled else { return (.notAsked, []) }
        let query = await gateways.perform(.queryPayment(reference(order)), provider: order.provider, account: order.account, orderID: order.id)
        let answer = CheckAnswer.query(query.outcome, kind: kind, claimed: order)
        guard kind == .close, case .payment(let report) = answer, CheckPlan.closeCancels(report) else { return (answer, [query.audit]) }
        // The cancel is the one call with an effect: it is made only under a lease renewed to cover
        // it — however long the call may take — so no other instance claims this close and cancels too.
        let renewal = max(policy.leaseMilliseconds, gateways.callTimeoutMilliseconds + 1_000)
        guard let leasedUntil,
            try await store.renewCheckLease(orderID: order.id, owner: owner, leasedUntil: leasedUntil, until: clock.now().adding(milliseconds: renewal))
        else {
            try await store.appendAudit([query.audit])
            logger.notice("close check's lease passed to another claim before the cancel; left to it", metadata: ["paysync.order": "\(order.id)"])
            return nil
        }
        let cancel = await gateways.perform(.cancelPayment(reference(order)), provider: order.provider, account: order.account, orderID: order.id)
        return (CheckAnswer.cancel(cancel.outcome), [query.audit, cancel.audit])
    }

    /// Commits what the plan makes of `answer` on the order as it now stands, then its follow-up.
    func commit(_ kind: CheckKind, _ answer: CheckAnswer, about order: Order, audit: [AuditRecord]) async throws {
        let plan = CheckPlan(
            schedule: schedules(order.provider), watches: WatchSchedule(offsetsMilliseconds: policy.watchAfterCloseMilliseconds),
            failureBackoffMilliseconds: policy.failureBackoffMilliseconds, now: clock.now())
        let followUp = try await store.updateOrder(id: order.id) { current in plan.decide(kind, answer, on: current, audit: audit) }
        guard followUp == .refundLatePayment, policy.refundPaidAfterClose, let refunds else { return }
        // The check is committed; a refund that cannot be requested now is the operator's (the review item stands).
        do {
            try await refunds.refundLatePayment(account: order.account, merchantOrderNumber: order.merchantOrderNumber.rawValue)
        } catch {
            logger.error("late-payment refund failed", metadata: ["paysync.order": "\(order.id)", "paysync.provider": "\(order.provider)", "error": "\(error)"])
        }
    }

    /// Queries the gateway about `order` now, outside the ladder (a front end asked), and applies
    /// the answer without moving the rung. Returns the order as it then stands.
    public func checkNow(_ order: Order) async throws -> Order {
        guard CheckKind(status: order.status) == .rung else { return order }
        guard let (answer, audit) = try await call(.onDemand, about: order, leasedUntil: nil) else { return order }
        try await commit(.onDemand, answer, about: order, audit: audit)
        return try await store.order(id: order.id) ?? order
    }

    private func reference(_ order: Order) -> PaymentReference {
        PaymentReference(merchantOrderNumber: order.merchantOrderNumber.rawValue, gatewayOrderNumber: order.gatewayOrderNumber)
    }
}

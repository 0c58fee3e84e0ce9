import Logging
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
    /// The most queries in flight to one gateway, so a backlog never floods it.
    public var perGatewayConcurrency = 16
    /// After an order is closed here because its gateway has no cancel API (NewPay, PayZApp), the
    /// gateway still holds it open until its own expiry: it is queried again this long after the
    /// close (at the next whole minute), so a late payment whose callbacks are all lost still
    /// reaches review.
    public var watchAfterLocalCloseMilliseconds: [Int64] = [3_600_000, 21_600_000, 86_400_000]
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

    public init(
        store: any PaySyncStore, gateways: GatewayClient, clock: any PaySyncClock, schedules: OrderPolicy,
        policy: ReconcilerPolicy = ReconcilerPolicy(), refunds: RefundService? = nil, payouts: PayoutService? = nil, owner: String,
        logger: Logger = Logger(label: "paysync.reconciler")
    ) {
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
            while !Task.isCancelled {
                let worked = (try? await runDueChecks()) ?? 0
                if worked == 0 { try? await Task.sleep(nanoseconds: policy.idleMilliseconds * 1_000_000) }
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
        var claimFailure: (any Error)?
        await withTaskGroup(of: CheckProgress.self) { group in
            var waiting: [ProviderID: ArraySlice<Order>] = [:]
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
                            return .claimed(
                                try await self.store.claimDueChecks(
                                    owner: self.owner, now: self.clock.now(), leaseMilliseconds: self.policy.leaseMilliseconds, limit: self.policy.batchSize))
                        } catch {
                            return .claimFailed(error)
                        }
                    }
                }
                for (provider, orders) in waiting where !orders.isEmpty {
                    var orders = orders
                    while asking[provider, default: 0] < policy.perGatewayConcurrency, let order = orders.popFirst() {
                        asking[provider, default: 0] += 1
                        group.addTask { .answered(provider, order.id, await self.ask(order)) }
                    }
                    waiting[provider] = orders
                }
                // Nothing in the group means nothing claimed is left and no more is due.
                guard let progress = await group.next() else { return }
                switch progress {
                case .claimed(let due):
                    claiming = false
                    moreDue = due.count == policy.batchSize && claims < policy.claimsPerRun
                    for order in due { waiting[order.provider, default: []].append(order) }
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
                        } catch {
                            self.logger.error("check failed", metadata: ["paysync.order": "\(id)", "error": "\(error)"])
                        }
                        return .committed
                    }
                case .committed:
                    committing -= 1
                    ran += 1
                }
            }
        }
        let refundsAndPayouts: Result<Int, any Error>
        do { refundsAndPayouts = .success(try await followed) } catch { refundsAndPayouts = .failure(error) }
        // A claim that failed is reported once the checks already started have finished.
        if let claimFailure { throw claimFailure }
        return ran + (try refundsAndPayouts.get())
    }

    /// Claims the refunds and payouts due now (one batch of each) and follows them up, at most
    /// `perGatewayConcurrency` at once; returns how many. A follow-up writes only its refund or
    /// payout row (and audit), never an order, so follow-ups run beside the checks and beside
    /// each other.
    private func followUpRefundsAndPayouts() async throws -> Int {
        async let dueRefunds = refunds == nil ? [] : store.claimDueRefunds(now: clock.now(), leaseMilliseconds: policy.leaseMilliseconds, limit: policy.batchSize)
        async let duePayouts = payouts == nil ? [] : store.claimDuePayouts(now: clock.now(), leaseMilliseconds: policy.leaseMilliseconds, limit: policy.batchSize)
        let (claimedRefunds, claimedPayouts) = try await (dueRefunds, duePayouts)
        var followUps: [@Sendable () async -> Void] = []
        if let refunds { followUps += claimedRefunds.map { refund in { _ = try? await refunds.followUp(refund) } } }
        if let payouts { followUps += claimedPayouts.map { payout in { _ = try? await payouts.followUp(payout) } } }
        let limit = max(1, policy.perGatewayConcurrency)
        await withTaskGroup(of: Void.self) { group in
            for (index, followUp) in followUps.enumerated() {
                if index >= limit { await group.next() }
                group.addTask(operation: followUp)
            }
        }
        return followUps.count
    }

    /// What is left of a check once its gateway calls are answered: writing their outcome.
    typealias Commit = @Sendable () async throws -> Void

    enum CheckProgress: Sendable {
        case claimed([Order])
        case claimFailed(any Error)
        /// The check's gateway phase is over (its slot is free); `Commit` writes the outcome.
        case answered(ProviderID, OrderID, Commit)
        case committed
    }

    /// A check's gateway phase: makes its calls and returns the write of what they said.
    func ask(_ order: Order) async -> Commit {
        switch order.status {
        case .created, .pending: await query(order)
        case .closing: await close(order)
        case .canceled: await watch(order)
        case .paid, .failed, .expired: { try await self.apply(order, input: nil, evidence: nil, audit: []) }
        }
    }

    /// Queries the gateway about `order` now, outside the ladder (a front end asked), and applies
    /// the answer without moving the rung. Returns the order as it then stands.
    public func checkNow(_ order: Order) async throws -> Order {
        guard order.status == .created || order.status == .pending else { return order }
        let call = await gateways.perform(.queryPayment(reference(order)), provider: order.provider, account: order.account, orderID: order.id)
        if case .answered(.payment(let report)) = call.outcome {
            try await applyReport(report, to: order, audit: call.audit, advance: false)
        } else {
            try await store.appendAudit([call.audit])
        }
        return try await store.order(id: order.id) ?? order
    }

    private func reference(_ order: Order) -> PaymentReference {
        PaymentReference(merchantOrderNumber: order.merchantOrderNumber.rawValue, gatewayOrderNumber: order.gatewayOrderNumber)
    }

    /// A rung of the ladder: query, apply, then schedule the next rung or start the close.
    private func query(_ order: Order) async -> Commit {
        let call = await gateways.perform(.queryPayment(reference(order)), provider: order.provider, account: order.account, orderID: order.id)
        switch call.outcome {
        case .answered(.payment(let report)):
            return { try await self.applyReport(report, to: order, audit: call.audit, advance: true) }
        case .refused where order.status == .created:
            // Unknown at the gateway. Its create may still be on its way, or land after its
            // timeout: no payment yet, so the ladder goes on. The close step cancels the order
            // here if the gateway still has none after the last rung.
            return { try await self.step(order, input: nil, amount: nil, evidence: nil, audit: call.audit, advance: true) }
        case .refused, .failed, .answered:
            return { try await self.backOff(order, audit: call.audit) }
        }
    }

    /// The close: query once more; if unpaid, cancel at the gateway; a paid answer wins.
    private func close(_ order: Order) async -> Commit {
        let before = await gateways.perform(.queryPayment(reference(order)), provider: order.provider, account: order.account, orderID: order.id)
        guard case .answered(.payment(let report)) = before.outcome else {
            if case .refused = before.outcome, order.gatewayOrderNumber == nil {
                return { try await self.apply(order, input: .canceled, evidence: Evidence(summary: "the gateway has no such order"), audit: [before.audit]) }
            }
            return { try await self.backOff(order, audit: before.audit) }
        }
        if report.state != .pending && report.state != .processing {
            return { try await self.applyReport(report, to: order, audit: before.audit, advance: false) }
        }
        let cancel = await gateways.perform(.cancelPayment(reference(order)), provider: order.provider, account: order.account, orderID: order.id)
        let audit = [before.audit, cancel.audit]
        switch cancel.outcome {
        case .answered(.cancel(.closed(let status))):
            return { try await self.apply(order, input: .canceled, evidence: Evidence(summary: "canceled at the gateway", providerStatus: status), audit: audit) }
        case .answered(.cancel(.alreadyPaid(let status))):
            // The race: paid between the query and the cancel. Record the payment.
            return {
                try await self.apply(
                    order, input: .paid, evidence: Evidence(summary: "cancel refused: the order is paid", providerStatus: status, amount: nil), audit: audit)
            }
        case .failed(let failure) where failure.kind == .unsupported:
            return { try await self.closeLocally(order, audit: audit) }
        case .refused, .failed, .answered:
            return { try await self.backOff(order, audit: audit) }
        }
    }

    /// Closes an order the gateway cannot cancel, and keeps watching it at the gateway.
    private func closeLocally(_ order: Order, audit: [AuditRecord]) async throws {
        let now = clock.now()
        let watches = watchSchedule
        _ = try await store.updateOrder(id: order.id) { current in
            var change = current.change(
                applying: .expired, source: .scheduler,
                evidence: Evidence(summary: "\(current.provider) has no cancel API; expired locally after the last check"), at: now, audit: audit)
            if var closed = change.order, closed.status == .canceled, let first = watches.time(ofRung: 0, anchor: now) {
                closed.check = CheckState(anchor: now, rung: 0, nextAt: first)
                change.order = closed
            }
            return change.with(result: ())
        }
    }

    /// A watch of an order closed here but open at its gateway: a payment found goes to review
    /// (the order stays canceled); a gateway that closed it too, or the last watch, ends it.
    /// (A refund of such a payment, when `refundPaidAfterClose`, is submitted after the write.)
    private func watch(_ order: Order) async -> Commit {
        let call = await gateways.perform(.queryPayment(reference(order)), provider: order.provider, account: order.account, orderID: order.id)
        guard case .answered(.payment(let report)) = call.outcome else { return { try await self.backOff(order, audit: call.audit) } }
        return { try await self.recordWatch(order, report: report, audit: call.audit) }
    }

    /// When an order closed locally is queried again (`watchAfterLocalCloseMilliseconds`).
    private var watchSchedule: WatchSchedule { WatchSchedule(offsetsMilliseconds: policy.watchAfterLocalCloseMilliseconds) }

    private func recordWatch(_ order: Order, report: PaymentReport, audit: AuditRecord) async throws {
        if report.state == .paid {
            let evidence = Evidence(
                summary: "\(order.provider) query after the local close: paid", providerStatus: report.providerStatus, amount: report.amount,
                reference: report.gatewayOrderNumber)
            try await apply(order, input: .paid, evidence: evidence, audit: [audit], source: .query)
            if policy.refundPaidAfterClose, let refunds {
                try await refunds.refundLatePayment(account: order.account, merchantOrderNumber: order.merchantOrderNumber.rawValue)
            }
            return
        }
        let now = clock.now()
        let watches = watchSchedule
        _ = try await store.updateOrder(id: order.id) { current in
            var updated = current
            updated.version += 1
            let state = current.check ?? CheckState(anchor: now, rung: 0, nextAt: now)
            let rung = state.rung + 1
            let stillOpen = report.state == .pending || report.state == .processing
            updated.check = stillOpen ? watches.time(ofRung: rung, anchor: state.anchor).map { CheckState(anchor: state.anchor, rung: rung, nextAt: $0) } : nil
            return OrderChange(order: updated, audit: [audit], result: ())
        }
    }

    private func applyReport(_ report: PaymentReport, to order: Order, audit: AuditRecord, advance: Bool) async throws {
        let evidence = Evidence(
            summary: "\(order.provider) query: \(report.state.rawValue)", providerStatus: report.providerStatus, amount: report.amount,
            reference: report.gatewayOrderNumber)
        try await step(order, input: report.state.orderInput, amount: report.amount, evidence: evidence, audit: audit, advance: advance)
    }

    /// Applies a query's answer (`input`, or none when the gateway has no such order yet), then
    /// schedules the next rung (`advance`) or, after the last, starts the close.
    private func step(_ order: Order, input: OrderInput?, amount: Money?, evidence: Evidence?, audit: AuditRecord, advance: Bool) async throws {
        let schedule = schedules(order.provider)
        let now = clock.now()
        _ = try await store.updateOrder(id: order.id) { current in
            if let amount, amount != current.amount {
                var updated = current
                updated.version += 1
                updated.check = Self.nextRung(current, schedule: schedule, now: now, advance: advance) ?? CheckState(anchor: now, rung: 0, nextAt: now)
                let review = NewReviewItem(
                    reason: amount.currency == current.amount.currency ? .amountMismatch : .currencyMismatch,
                    detail: "query states \(amount); the order is \(current.amount)", at: now)
                return OrderChange(order: updated, audit: [audit], reviews: [review], result: ())
            }
            var change =
                if let input, let evidence {
                    current.change(applying: input, source: .query, evidence: evidence, at: now, audit: [audit])
                } else {
                    OrderChange(order: nil, audit: [audit], result: OrderDecision.unchanged)
                }
            var updated = change.order ?? current
            if !updated.status.isSettledAttempt, updated.status != .closing {
                if let next = Self.nextRung(current, schedule: schedule, now: now, advance: advance) {
                    guard next != current.check || change.order != nil else {
                        // Nothing moved (an out-of-ladder query confirming the status): no order write.
                        return OrderChange(order: nil, events: change.events, audit: change.audit, reviews: change.reviews, result: ())
                    }
                    if change.order == nil { updated.version += 1 }
                    updated.check = next
                } else {
                    if change.order == nil { updated.version += 1 }
                    // The ladder is exhausted: close the order (query once more, then cancel).
                    let close = updated.change(
                        applying: .cancelRequested, source: .scheduler, evidence: Evidence(summary: "no final answer after the last check"), at: now)
                    if let closing = close.order {
                        updated = closing
                        updated.version = current.version + 1
                    }
                    change.events += close.events
                }
            }
            // Write the order only if something about it changed (a stale answer changes nothing).
            change.order = updated == current ? nil : updated
            return change.with(result: ())
        }
    }

    /// The next rung after this check (run late rather than skipped when the reconciler was
    /// away), or `nil` when the ladder is exhausted.
    static func nextRung(_ order: Order, schedule: any CheckSchedule, now: Timestamp, advance: Bool) -> CheckState? {
        let state = order.check ?? .start(schedule, anchor: order.createdAt)
        let rung = advance ? state.rung + 1 : state.rung
        guard let next = schedule.time(ofRung: rung, anchor: state.anchor) else { return nil }
        return CheckState(anchor: state.anchor, rung: rung, nextAt: max(next, now))
    }

    /// Applies a state-machine input (or none: clears a stale check) with the calls' audit rows.
    private func apply(_ order: Order, input: OrderInput?, evidence: Evidence?, audit: [AuditRecord], source: EventSource? = nil) async throws {
        let now = clock.now()
        _ = try await store.updateOrder(id: order.id) { current in
            guard let input, let evidence else {
                var updated = current
                updated.check = nil
                updated.version += 1
                return OrderChange(order: updated, audit: audit, result: ())
            }
            var change = current.change(
                applying: input, source: source ?? (input == .expired ? .scheduler : .gateway), evidence: evidence, at: now, audit: audit)
            if change.order == nil, current.check != nil, current.status.isSettledAttempt {
                var updated = current
                updated.check = nil
                updated.version += 1
                change.order = updated
            }
            return change.with(result: ())
        }
    }

    /// A gateway gave no verdict: record the call, retry after a backoff, keep the rung.
    private func backOff(_ order: Order, audit: [AuditRecord]) async throws {
        let now = clock.now()
        let backoff = policy.failureBackoffMilliseconds
        _ = try await store.updateOrder(id: order.id) { current in
            var updated = current
            var state = current.check ?? CheckState(anchor: now, rung: 0, nextAt: now)
            state.nextAt = now.adding(milliseconds: backoff[min(state.failures, backoff.count - 1)])
            state.failures += 1
            updated.check = state
            updated.version += 1
            return OrderChange(order: updated, audit: audit, result: ())
        }
    }

    private func backOff(_ order: Order, audit: AuditRecord) async throws {
        try await backOff(order, audit: [audit])
    }
}

import PaySyncCore
import PaySyncGateways
import PaySyncStore

/// Which check an order is due for, from its status when it was claimed (or asked about).
public enum CheckKind: String, Sendable, CaseIterable {
    /// A rung of the ladder (or sweep) of an order without a final answer (`created`, `pending`).
    case rung
    /// The close after the last rung (`closing`): query once more, then cancel at the gateway.
    case close
    /// A watch of a closed order (`canceled`) — closed at the gateway, or here when the gateway
    /// has no cancel API — in case a payment landed in the race with the close, or after it.
    case watch
    /// A check left on a settled order (`paid`, `failed`, `expired`): it is only cleared.
    case settled
    /// A query outside the ladder (a front end asked); it never moves the rung.
    case onDemand

    public init(status: OrderStatus) {
        switch status {
        case .created, .pending: self = .rung
        case .closing: self = .close
        case .canceled: self = .watch
        case .paid, .failed, .expired: self = .settled
        }
    }
}

/// What the gateway said in a check, reduced to what the plan decides on.
public enum CheckAnswer: Hashable, Sendable {
    /// A query answered with the payment's state.
    case payment(PaymentReport)
    /// The gateway refused a query about an order it never received (no gateway number yet).
    case unknownAtGateway
    /// No verdict: a timeout, a 5xx, an unreadable answer, or a refusal that decides nothing.
    case noVerdict
    /// The cancel API closed the order.
    case canceled(providerStatus: String?)
    /// The cancel API refused because the order is paid (paid between the query and the cancel).
    case cancelRefusedPaid(providerStatus: String?)
    /// The gateway has no cancel API (NewPay, PayZApp).
    case cancelUnsupported
    /// No gateway call was made (a settled order's check).
    case notAsked

    /// A query's outcome as an answer about `claimed`: a refusal means "unknown at the gateway"
    /// only while the gateway cannot know the order — `created` on the ladder, no gateway number
    /// in the close or a watch; otherwise it decides nothing.
    public static func query(_ outcome: GatewayOutcome, kind: CheckKind, claimed: Order) -> CheckAnswer {
        switch outcome {
        case .answered(.payment(let report)): .payment(report)
        case .refused where kind == .rung && claimed.status == .created: .unknownAtGateway
        case .refused where kind == .close && claimed.gatewayOrderNumber == nil: .unknownAtGateway
        // A watched order the gateway cannot know (canceled here, its create never answered): no
        // payment yet; the watch goes on to its end, as the create may still land.
        case .refused where kind == .watch && claimed.gatewayOrderNumber == nil: .unknownAtGateway
        case .refused, .failed, .answered: .noVerdict
        }
    }

    /// A cancel call's outcome.
    public static func cancel(_ outcome: GatewayOutcome) -> CheckAnswer {
        switch outcome {
        case .answered(.cancel(.closed(let status))): .canceled(providerStatus: status)
        case .answered(.cancel(.alreadyPaid(let status))): .cancelRefusedPaid(providerStatus: status)
        case .failed(let failure) where failure.kind == .unsupported: .cancelUnsupported
        case .refused, .failed, .answered: .noVerdict
        }
    }
}

/// What is to be done after a check's change commits.
public enum CheckFollowUp: Hashable, Sendable {
    case nothing
    /// A watch found money on an order closed here: refund it when the policy says so.
    case refundLatePayment
}

/// The reconciler's rules as values: given the order as committed, the kind of check, the
/// gateway's answer, the schedules and the time, the change to commit — the state-machine input,
/// the next check or none, a review item, a watch. No I/O; the stores stamp `version`.
///
/// Where a check's rules meet the order life cycle: a ladder answer is applied like a callback's
/// (through `Order.change(applying:)`); an exhausted ladder starts the close (`cancelRequested`);
/// no verdict keeps the rung and backs off; a close found open is canceled at the gateway, or
/// expired here and watched when the gateway has no cancel API.
public struct CheckPlan: Sendable {
    /// The ladder or sweep of the order's gateway.
    public var schedule: any CheckSchedule
    /// When an order closed here is queried again.
    public var watches: WatchSchedule
    /// Waits after consecutive failures; the last repeats.
    public var failureBackoffMilliseconds: [Int64]
    public var now: Timestamp

    public init(schedule: any CheckSchedule, watches: WatchSchedule, failureBackoffMilliseconds: [Int64], now: Timestamp) {
        precondition(!failureBackoffMilliseconds.isEmpty, "a backoff needs at least one wait")
        self.schedule = schedule
        self.watches = watches
        self.failureBackoffMilliseconds = failureBackoffMilliseconds
        self.now = now
    }

    /// Whether a close that found `report` goes on to cancel at the gateway: only an open payment is canceled.
    public static func closeCancels(_ report: PaymentReport) -> Bool {
        report.state == .pending || report.state == .processing
    }

    /// The change a check makes to `order` (as committed now), with the gateway calls' `audit` rows.
    public func decide(_ kind: CheckKind, _ answer: CheckAnswer, on order: Order, audit: [AuditRecord]) -> OrderChange<CheckFollowUp> {
        switch (kind, answer) {
        case (.settled, _):
            return settle(order, input: nil, evidence: nil, source: .gateway, audit: audit)
        case (.rung, .payment(let report)), (.onDemand, .payment(let report)):
            return step(order, report: report, audit: audit, advance: kind == .rung)
        case (.rung, .unknownAtGateway):
            // The create may still be on its way: no payment yet, the ladder goes on. The close
            // cancels the order here if the gateway still has none after the last rung.
            return step(order, report: nil, audit: audit, advance: true)
        case (.onDemand, _):
            return OrderChange(order: nil, audit: audit, result: .nothing)
        case (.close, .payment(let report)):
            // Only a final answer ends the close without a cancel (`closeCancels`).
            return step(order, report: report, audit: audit, advance: false)
        case (.close, .unknownAtGateway):
            return watched(settle(order, input: .canceled, evidence: Evidence(summary: "the gateway has no such order"), source: .gateway, audit: audit))
        case (.close, .canceled(let status)):
            return watched(
                settle(order, input: .canceled, evidence: Evidence(summary: "canceled at the gateway", providerStatus: status), source: .gateway, audit: audit))
        case (.close, .cancelRefusedPaid(let status)):
            return settle(order, input: .paid, evidence: Evidence(summary: "cancel refused: the order is paid", providerStatus: status), source: .gateway, audit: audit)
        case (.close, .cancelUnsupported):
            return closeLocally(order, audit: audit)
        case (.watch, .payment(let report)):
            return watch(order, report: report, audit: audit)
        case (.watch, .unknownAtGateway):
            return nextWatch(order, audit: audit)
        case (.rung, _), (.close, _), (.watch, _):
            return backOff(order, audit: audit)
        }
    }

    /// A query's answer applied (or none: the gateway has no such order yet); then the next rung
    /// (`advance`) or, after the last, the close. A stated amount other than the order's is a
    /// review item and moves nothing but the schedule — never sooner than the failure backoff, so
    /// a close that keeps finding it (its rung is already due) does not query again at once.
    func step(_ current: Order, report: PaymentReport?, audit: [AuditRecord], advance: Bool) -> OrderChange<CheckFollowUp> {
        if let amount = report?.amount(differingFrom: current.amount) {
            var updated = current
            var next = nextRung(current, advance: advance) ?? CheckState(anchor: now, rung: 0, nextAt: now)
            let failures = current.check?.failures ?? 0
            let earliest = now.adding(milliseconds: failureBackoffMilliseconds[min(failures, failureBackoffMilliseconds.count - 1)])
            if next.nextAt < earliest {
                next.nextAt = earliest
                next.failures = failures + 1
            }
            updated.check = next
            let review = NewReviewItem(
                reason: amount.currency == current.amount.currency ? .amountMismatch : .currencyMismatch,
                detail: "query states \(amount); the order is \(current.amount)", at: now)
            return OrderChange(order: updated, audit: audit, reviews: [review], result: .nothing)
        }
        var change =
            if let report {
                current.change(
                    applying: report.state.orderInput, source: .query,
                    evidence: Evidence(
                        summary: "\(current.provider) query: \(report.state.rawValue)", providerStatus: report.providerStatus, amount: report.amount,
                        reference: report.gatewayOrderNumber),
                    at: now, audit: audit
                ).with(result: CheckFollowUp.nothing)
            } else {
                OrderChange(order: nil, audit: audit, result: CheckFollowUp.nothing)
            }
        var updated = change.order ?? current
        if !updated.status.isSettledAttempt, updated.status != .closing {
            if let next = nextRung(current, advance: advance) {
                // Nothing moved (an out-of-ladder query confirming the status): no order write.
                guard next != current.check || change.order != nil else { return change }
                updated.check = next
            } else {
                // The ladder is exhausted: close the order (query once more, then cancel).
                let close = updated.change(
                    applying: .cancelRequested, source: .scheduler, evidence: Evidence(summary: "no final answer after the last check"), at: now)
                updated = close.order ?? updated
                change.events += close.events
            }
        }
        // Write the order only if something about it changed (a stale answer changes nothing).
        change.order = updated.sameRow(as: current) ? nil : updated
        return change
    }

    /// The next rung after this check (run late rather than skipped when the reconciler was
    /// away), or `nil` when the ladder is exhausted.
    func nextRung(_ order: Order, advance: Bool) -> CheckState? {
        let state = order.check ?? .start(schedule, anchor: order.createdAt)
        let rung = advance ? state.rung + 1 : state.rung
        guard let next = schedule.time(ofRung: rung, anchor: state.anchor) else { return nil }
        return CheckState(anchor: state.anchor, rung: rung, nextAt: max(next, now))
    }

    /// A state-machine input with its evidence (or none: a stale check is cleared). A settled
    /// order keeps no check.
    func settle(_ current: Order, input: OrderInput?, evidence: Evidence?, source: EventSource, audit: [AuditRecord]) -> OrderChange<CheckFollowUp> {
        guard let input, let evidence else {
            var updated = current
            updated.check = nil
            return OrderChange(order: updated, audit: audit, result: .nothing)
        }
        var change = current.change(applying: input, source: source, evidence: evidence, at: now, audit: audit).with(result: CheckFollowUp.nothing)
        if change.order == nil, current.check != nil, current.status.isSettledAttempt {
            var updated = current
            updated.check = nil
            change.order = updated
        }
        return change
    }

    /// Closes an order its gateway cannot cancel, and watches it at the gateway from now on.
    func closeLocally(_ current: Order, audit: [AuditRecord]) -> OrderChange<CheckFollowUp> {
        var change = current.change(
            applying: .expired, source: .scheduler,
            evidence: Evidence(summary: "\(current.provider) has no cancel API; expired locally after the last check"), at: now, audit: audit
        ).with(result: CheckFollowUp.nothing)
        return watched(change)
    }

    /// A close's change, with the order watched from now on when it closed: every close is
    /// watched, so a payment that lands in the race with the cancel, or after it, is found even
    /// when no callback ever arrives.
    func watched(_ change: OrderChange<CheckFollowUp>) -> OrderChange<CheckFollowUp> {
        var change = change
        if var closed = change.order, closed.status == .canceled, let first = watches.time(ofRung: 0, anchor: now) {
            closed.check = CheckState(anchor: now, rung: 0, nextAt: first)
            change.order = closed
        }
        return change
    }

    /// The next watch, or none after the last.
    func nextWatch(_ current: Order, audit: [AuditRecord]) -> OrderChange<CheckFollowUp> {
        var updated = current
        let state = current.check ?? CheckState(anchor: now, rung: 0, nextAt: now)
        let rung = state.rung + 1
        updated.check = watches.time(ofRung: rung, anchor: state.anchor).map { CheckState(anchor: state.anchor, rung: rung, nextAt: $0) }
        return OrderChange(order: updated, audit: audit, result: .nothing)
    }

    /// A watch's answer: a payment goes to review (the order stays canceled) and may be refunded;
    /// a gateway that says the order is closed, or the last watch, ends the watch.
    func watch(_ current: Order, report: PaymentReport, audit: [AuditRecord]) -> OrderChange<CheckFollowUp> {
        if report.state == .paid {
            let evidence = Evidence(
                summary: "\(current.provider) query after the close: paid", providerStatus: report.providerStatus, amount: report.amount,
                reference: report.gatewayOrderNumber)
            return settle(current, input: .paid, evidence: evidence, source: .query, audit: audit).with(result: .refundLatePayment)
        }
        guard report.state == .pending || report.state == .processing else {
            var updated = current
            updated.check = nil
            return OrderChange(order: updated, audit: audit, result: .nothing)
        }
        return nextWatch(current, audit: audit)
    }

    /// No verdict: the same rung again after a wait that grows with the failures in a row.
    func backOff(_ current: Order, audit: [AuditRecord]) -> OrderChange<CheckFollowUp> {
        var updated = current
        var state = current.check ?? CheckState(anchor: now, rung: 0, nextAt: now)
        state.nextAt = now.adding(milliseconds: failureBackoffMilliseconds[min(state.failures, failureBackoffMilliseconds.count - 1)])
        state.failures += 1
        updated.check = state
        return OrderChange(order: updated, audit: audit, result: .nothing)
    }
}

extension Order {
    /// Whether `other` would store the same row as this order, whatever their versions (the
    /// store stamps the version of every row it writes).
    func sameRow(as other: Order) -> Bool {
        var other = other
        other.version = version
        return self == other
    }
}

import PaySyncCore
import PaySyncGateways

/// Where money going out — a refund or a payout — stands at its gateway, and how the gateway's word
/// moves it: the one rule both follow. A final state never moves again; an answer stating another
/// amount than ours is not believed (we keep following); no verdict backs off without moving.
struct MoneyOutProgress: Hashable, Sendable {
    var status: RefundStatus
    var gatewayNumber: String?
    var nextCheckAt: Timestamp?
    var failures: Int

    /// What a gateway said about it.
    enum Word: Hashable, Sendable {
        case reported(RefundStatus, gatewayNumber: String?, amount: Money?)
        /// The gateway refused the submission (or does not know the number).
        case refused
        /// Timeout, 5xx, an unreadable or unexpected answer.
        case noVerdict
    }

    /// After a follow-up call (submission or query) answered `word`; `schedule` is the follow-up
    /// ladder (the first step after progress, then the backoff after failures).
    func following(_ word: Word, expected: Money, now: Timestamp, schedule: [Int64]) -> MoneyOutProgress {
        guard !status.isFinal else { return self }
        var next = self
        let backoff = now.adding(milliseconds: schedule[min(failures, schedule.count - 1)])
        switch word {
        case .reported(_, _, let amount?) where amount != expected:
            next.nextCheckAt = backoff
            next.failures += 1
        case .reported(let state, let number, _):
            next.status = state
            next.gatewayNumber = number ?? gatewayNumber
            next.failures = 0
            next.nextCheckAt = state.isFinal ? nil : now.adding(milliseconds: schedule[0])
        case .refused where status == .requested:
            next.status = .failed
            next.nextCheckAt = nil
        case .refused, .noVerdict:
            next.nextCheckAt = backoff
            next.failures += 1
        }
        return next
    }

    /// After a verified callback stated `state` (its amount already checked); `nil` when final.
    func notified(_ state: RefundStatus, gatewayNumber: String?) -> MoneyOutProgress? {
        guard !status.isFinal else { return nil }
        var next = self
        next.status = state
        next.gatewayNumber = gatewayNumber ?? self.gatewayNumber
        if state.isFinal { next.nextCheckAt = nil }
        return next
    }

    /// What a gateway call's outcome says, for a refund or a payout.
    static func word(_ outcome: GatewayOutcome) -> Word {
        switch outcome {
        case .answered(.refund(let report)): .reported(RefundStatus(report.state), gatewayNumber: report.gatewayRefundNumber, amount: report.amount)
        case .answered(.payout(let report)): .reported(RefundStatus(report.state), gatewayNumber: report.gatewayPayoutNumber, amount: report.amount)
        case .refused: .refused
        case .failed, .answered: .noVerdict
        }
    }
}

extension RefundStatus {
    init(_ state: RefundState) {
        switch state {
        case .processing: self = .processing
        case .succeeded: self = .succeeded
        case .failed: self = .failed
        }
    }

    init(_ state: PayoutState) {
        switch state {
        case .processing: self = .processing
        case .succeeded: self = .succeeded
        case .failed: self = .failed
        }
    }
}

/// A refund or a payout, as the one money-out rule sees it.
protocol MoneyOutRecord: Sendable {
    /// What the audit log calls it: `refund`, `payout`.
    static var noun: String { get }
    /// The order its audit rows belong to, if any.
    var auditOrderID: OrderID? { get }
    var amount: Money { get }
    var progress: MoneyOutProgress { get set }
    var updatedAt: Timestamp { get set }
}

extension Refund: MoneyOutRecord {
    static var noun: String { "refund" }
    var auditOrderID: OrderID? { orderID }
    var progress: MoneyOutProgress {
        get { MoneyOutProgress(status: status, gatewayNumber: gatewayRefundNumber, nextCheckAt: nextCheckAt, failures: failures) }
        set {
            status = newValue.status
            gatewayRefundNumber = newValue.gatewayNumber
            nextCheckAt = newValue.nextCheckAt
            failures = newValue.failures
        }
    }
}

extension Payout: MoneyOutRecord {
    static var noun: String { "payout" }
    var auditOrderID: OrderID? { nil }
    var progress: MoneyOutProgress {
        get { MoneyOutProgress(status: status, gatewayNumber: gatewayPayoutNumber, nextCheckAt: nextCheckAt, failures: failures) }
        set {
            status = newValue.status
            gatewayPayoutNumber = newValue.gatewayNumber
            nextCheckAt = newValue.nextCheckAt
            failures = newValue.failures
        }
    }
}

/// What a refund or payout callback states, as the one rule for both reads it.
protocol MoneyOutReport: Sendable {
    var number: String { get }
    var gatewayNumber: String? { get }
    var status: RefundStatus { get }
    var amount: Money? { get }
    var providerStatus: String { get }
}

extension RefundReport: MoneyOutReport {
    var number: String { refundNumber }
    var gatewayNumber: String? { gatewayRefundNumber }
    var status: RefundStatus { RefundStatus(state) }
}

extension PayoutReport: MoneyOutReport {
    var number: String { payoutNumber }
    var gatewayNumber: String? { gatewayPayoutNumber }
    var status: RefundStatus { RefundStatus(state) }
}

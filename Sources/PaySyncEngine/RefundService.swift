import Logging
import PaySyncCore
import PaySyncGateways
import PaySyncStore

/// Refunds: submitted through the order's gateway with our refund number as the idempotency key,
/// followed up until final. The sum of a paid order's refunds (all but failed ones) never
/// exceeds what was paid — checked under the order's lock.
public struct RefundService: Sendable {
    let store: any PaySyncStore
    let gateways: GatewayClient
    let clock: any PaySyncClock
    let callbacks: CallbackAddress
    /// Follow-up of processing refunds (and resubmission of unanswered ones), then after failures.
    let followUpMilliseconds: [Int64]
    let logger: Logger

    public init(
        store: any PaySyncStore, gateways: GatewayClient, clock: any PaySyncClock, callbacks: CallbackAddress,
        followUpMilliseconds: [Int64] = [30_000, 60_000, 300_000, 900_000, 3_600_000], logger: Logger = Logger(label: "paysync.refunds")
    ) {
        self.logger = logger
        self.store = store
        self.gateways = gateways
        self.clock = clock
        self.callbacks = callbacks
        self.followUpMilliseconds = followUpMilliseconds
    }

    /// Records and submits a refund of `amount` from a paid order.
    public func refund(orderID: OrderID, amount: Money, reason: String, refundNumber: String?) async throws -> Refund {
        let now = clock.now()
        var random = SystemRandomNumberGenerator()
        let id = "rfd_" + OrderID.make(at: now, using: &random).rawValue.dropFirst(4)
        let number = refundNumber ?? "R" + id.dropFirst(4)
        let first = followUpMilliseconds[0]
        let refund: Refund
        do {
            refund = try await store.insertRefund(orderID: orderID) { order, existing in
                guard order.status == .paid else {
                    throw PaySyncError(.conflict, code: "order_not_paid", message: "order \(order.merchantOrderNumber) is \(order.status.rawValue); only paid orders are refunded")
                }
                guard amount.currency == order.amount.currency else {
                    throw PaySyncError(.invalid, code: "currency_mismatch", message: "the order is in \(order.amount.currency.code)", field: "currency")
                }
                let committed = existing.filter { $0.status != .failed }.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
                guard amount.minorUnits > 0, committed + amount.minorUnits <= order.amount.minorUnits else {
                    let left = Money(minorUnits: order.amount.minorUnits - committed, currency: order.amount.currency)
                    throw PaySyncError(.conflict, code: "refund_exceeds_paid", message: "at most \(left) of \(order.amount) can still be refunded", field: "amount")
                }
                let refund = Refund(
                    id: id, orderID: order.id, account: order.account, provider: order.provider, refundNumber: number, amount: amount, reason: reason,
                    status: .requested, gatewayRefundNumber: nil, nextCheckAt: now.adding(milliseconds: first), failures: 0, createdAt: now, updatedAt: now)
                return (refund, [AuditRecord(orderID: order.id, kind: .inbound, summary: "refund \(number) of \(amount) requested", detail: reason, at: now)])
            }
        } catch let error as StoreError where error.code == .orderNotFound {
            throw OrderService.notFound(orderID)
        } catch let error as StoreError where error.code == .duplicateRefundNumber {
            throw PaySyncError(.conflict, code: "refund_number_conflict", message: error.message, field: "refundNumber")
        }
        return try await submit(refund)
    }

    /// Sends (or, unanswered before, sends again — the refund number makes it idempotent) or
    /// queries a refund that is not final, and records what the gateway says.
    public func followUp(_ refund: Refund) async throws -> Refund {
        switch refund.status {
        case .requested: return try await submit(refund)
        case .processing:
            let call = await gateways.perform(.queryRefund(RefundReference(refundNumber: refund.refundNumber)), provider: refund.provider, account: refund.account, orderID: refund.orderID)
            return try await record(call, for: refund)
        case .succeeded, .failed: return refund
        }
    }

    /// Records a full refund of a payment that landed on an order after it was closed (the money is
    /// in review; `reconciler.refundPaidAfterClose`). Only the row is written here — quick enough for
    /// a callback's path — and the reconciler's refund follow-up submits it at once. One per order
    /// attempt: a repeat returns `nil`.
    @discardableResult
    public func refundLatePayment(account: MerchantAccountID, merchantOrderNumber: String) async throws -> Refund? {
        let number: MerchantOrderNumber
        do {
            number = try MerchantOrderNumber(merchantOrderNumber)
        } catch {
            // Callers pass the number of an order they matched; anything else is a defect, heard here.
            logger.error("late-payment refund for a number that is no order number", metadata: ["paysync.order_number": "\(merchantOrderNumber)", "error": "\(error)"])
            return nil
        }
        guard let order = try await store.order(account: account, number: number) else { return nil }
        let now = clock.now()
        var random = SystemRandomNumberGenerator()
        let id = "rfd_" + OrderID.make(at: now, using: &random).rawValue.dropFirst(4)
        do {
            return try await store.insertRefund(orderID: order.id) { order, existing in
                guard order.status == .canceled else {
                    throw PaySyncError(.conflict, code: "order_not_canceled", message: "order \(order.merchantOrderNumber) is \(order.status.rawValue)")
                }
                let refundNumber = "LATE-\(order.merchantOrderNumber)-\(order.attempt)"
                let refund = Refund(
                    id: id, orderID: order.id, account: order.account, provider: order.provider, refundNumber: refundNumber, amount: order.amount,
                    reason: "paid after the order was closed", status: .requested, gatewayRefundNumber: nil, nextCheckAt: now, failures: 0,
                    createdAt: now, updatedAt: now)
                return (refund, [AuditRecord(orderID: order.id, kind: .system, summary: "refund \(refundNumber) of \(order.amount) requested: paid after the order was closed", at: now)])
            }
        } catch let error as StoreError where error.code == .duplicateRefundNumber {
            return nil
        }
    }

    private func submit(_ refund: Refund) async throws -> Refund {
        guard let order = try await store.order(id: refund.orderID) else { throw OrderService.notFound(refund.orderID) }
        let submission = RefundSubmission(
            refundNumber: refund.refundNumber, merchantOrderNumber: order.merchantOrderNumber.rawValue, gatewayOrderNumber: order.gatewayOrderNumber,
            amount: refund.amount, orderAmount: order.amount, reason: refund.reason,
            notifyURL: callbacks.notifyURL(provider: order.provider.rawValue, account: order.account.rawValue))
        let call = await gateways.perform(.submitRefund(submission), provider: refund.provider, account: refund.account, orderID: refund.orderID)
        return try await record(call, for: refund)
    }

    private func record(_ call: GatewayCall, for refund: Refund) async throws -> Refund {
        let now = clock.now()
        let schedule = followUpMilliseconds
        return try await store.updateRefund(id: refund.id) { current in
            guard !current.status.isFinal else { return (nil, [call.audit]) }
            var updated = current
            updated.updatedAt = now
            updated.progress = current.progress.following(MoneyOutProgress.word(call.outcome), expected: current.amount, now: now, schedule: schedule)
            return (updated, [call.audit])
        }
    }
}

import PaySyncCore

/// A payment as the sandbox gateway knows it: the truth PaySync must converge to.
public struct SandboxPayment: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable, CaseIterable { case pending, paid, failed, expired, canceled }

    public let provider: String
    public let merchantOrderNumber: String
    public let gatewayNumber: String
    public let amount: Money
    public var status: Status
    public let notifyURL: String
    public let createdAt: Timestamp
    public var refundedMinorUnits: Int64 = 0
    /// How many times the status changed (so each change is its own callback event).
    public var revision = 0
}

public struct SandboxRefund: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable { case processing, succeeded, failed }
    public let provider: String
    public let refundNumber: String
    public let gatewayNumber: String
    public let merchantOrderNumber: String
    /// The refunded payment's gateway number and amount.
    public let orderGatewayNumber: String
    public let orderAmount: Money
    public let amount: Money
    public var status: Status
    public let notifyURL: String
}

public struct SandboxPayout: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable { case processing, succeeded, failed }
    public let payoutNumber: String
    public let gatewayNumber: String
    public let amount: Money
    public var status: Status
    public let notifyURL: String
}

/// Money a customer sent by UPI, known by its UTR, that the gateway has not linked to any invoice
/// (the customer paid the right VPA outside the invoice's flow) until the merchant asks it to.
public struct SandboxUPICredit: Hashable, Sendable {
    public let utr: String
    public let amount: Money
    /// The merchant order number of the invoice it was linked to.
    public var linkedTo: String?
}

/// Why the ledger refused an operation, in gateway-neutral terms each server renders in its dialect.
public enum LedgerRefusal: Error, Hashable, Sendable {
    case notFound
    case amountMismatch
    case alreadyPaid
    case notPayable
    case refundExceedsPaid
    case duplicateRefund
    case insufficientBalance
}

/// The sandbox's books: payments, refunds, payouts and balances of every gateway it plays.
public actor SandboxLedger {
    private var payments: [String: SandboxPayment] = [:]
    private var refunds: [String: SandboxRefund] = [:]
    private var payouts: [String: SandboxPayout] = [:]
    private var balances: [String: Int64] = [:]
    private var upiCredits: [String: SandboxUPICredit] = [:]
    private var sequence = 0

    public init(openingBalances: [Money] = []) {
        for money in openingBalances { balances[money.currency.code, default: 0] += money.minorUnits }
    }

    private static func key(_ provider: String, _ number: String) -> String { provider + "/" + number }

    private func nextNumber(_ prefix: String) -> String {
        sequence += 1
        return prefix + String(1_000_000 + sequence)
    }

    /// Creates a payment, or returns the existing one for the same number and amount (a retried
    /// create). A different amount, or a re-create of a finished payment, is refused.
    public func create(provider: String, number: String, amount: Money, notifyURL: String, now: Timestamp) throws(LedgerRefusal) -> SandboxPayment {
        let key = Self.key(provider, number)
        if var existing = payments[key] {
            guard existing.amount == amount else { throw .amountMismatch }
            switch existing.status {
            case .pending: return existing
            case .paid: throw .alreadyPaid
            case .canceled: throw .notPayable
            case .failed, .expired:
                // Re-initiation under the same number: a new attempt at the gateway.
                existing.status = .pending
                existing.revision += 1
                payments[key] = existing
                return existing
            }
        }
        let payment = SandboxPayment(
            provider: provider, merchantOrderNumber: number, gatewayNumber: nextNumber(provider.prefix(2).uppercased()), amount: amount,
            status: .pending, notifyURL: notifyURL, createdAt: now)
        payments[key] = payment
        return payment
    }

    public func payment(provider: String, number: String) -> SandboxPayment? { payments[Self.key(provider, number)] }

    /// Moves a payment as a customer (or the gateway's timer) would. `force` lets a payment land on
    /// a canceled or expired order: the late-payment race a real gateway can show.
    public func settle(provider: String, number: String, to status: SandboxPayment.Status, force: Bool = false) throws(LedgerRefusal) -> SandboxPayment {
        let key = Self.key(provider, number)
        guard var payment = payments[key] else { throw .notFound }
        guard payment.status == .pending || force else { throw .notPayable }
        if status == .paid, payment.status != .paid { balances[payment.amount.currency.code, default: 0] += payment.amount.minorUnits }
        payment.status = status
        payment.revision += 1
        payments[key] = payment
        return payment
    }

    /// The gateway's cancel: closes a pending payment; refuses a paid one.
    public func cancel(provider: String, number: String) throws(LedgerRefusal) -> SandboxPayment {
        let key = Self.key(provider, number)
        guard var payment = payments[key] else { throw .notFound }
        switch payment.status {
        case .paid: throw .alreadyPaid
        case .pending, .failed, .expired:
            payment.status = .canceled
            payment.revision += 1
            payments[key] = payment
            return payment
        case .canceled: return payment
        }
    }

    public func refund(provider: String, refundNumber: String, orderNumber: String, amount: Money, notifyURL: String) throws(LedgerRefusal) -> SandboxRefund {
        let refundKey = Self.key(provider, "refund/" + refundNumber)
        if let existing = refunds[refundKey] {
            guard existing.amount == amount, existing.merchantOrderNumber == orderNumber else { throw .duplicateRefund }
            return existing
        }
        let key = Self.key(provider, orderNumber)
        guard var payment = payments[key] else { throw .notFound }
        guard payment.status == .paid, amount.currency == payment.amount.currency else { throw .notPayable }
        guard amount.minorUnits > 0, payment.refundedMinorUnits + amount.minorUnits <= payment.amount.minorUnits else { throw .refundExceedsPaid }
        payment.refundedMinorUnits += amount.minorUnits
        payments[key] = payment
        let refund = SandboxRefund(
            provider: provider, refundNumber: refundNumber, gatewayNumber: nextNumber("RF"), merchantOrderNumber: orderNumber,
            orderGatewayNumber: payment.gatewayNumber, orderAmount: payment.amount, amount: amount,
            status: .processing, notifyURL: notifyURL)
        refunds[refundKey] = refund
        return refund
    }

    public func refund(provider: String, refundNumber: String) -> SandboxRefund? { refunds[Self.key(provider, "refund/" + refundNumber)] }

    /// Completes a processing refund (the control API's "the bank finished").
    public func finishRefund(provider: String, refundNumber: String, succeeded: Bool) throws(LedgerRefusal) -> SandboxRefund {
        let key = Self.key(provider, "refund/" + refundNumber)
        guard var refund = refunds[key] else { throw .notFound }
        refund.status = succeeded ? .succeeded : .failed
        if !succeeded, var payment = payments[Self.key(provider, refund.merchantOrderNumber)] {
            payment.refundedMinorUnits -= refund.amount.minorUnits
            payments[Self.key(provider, refund.merchantOrderNumber)] = payment
        }
        refunds[key] = refund
        return refund
    }

    public func payout(number: String, amount: Money, notifyURL: String) throws(LedgerRefusal) -> SandboxPayout {
        if let existing = payouts[number] {
            guard existing.amount == amount else { throw .duplicateRefund }
            return existing
        }
        guard balances[amount.currency.code, default: 0] >= amount.minorUnits else { throw .insufficientBalance }
        balances[amount.currency.code, default: 0] -= amount.minorUnits
        let payout = SandboxPayout(payoutNumber: number, gatewayNumber: nextNumber("PO"), amount: amount, status: .processing, notifyURL: notifyURL)
        payouts[number] = payout
        return payout
    }

    public func payout(number: String) -> SandboxPayout? { payouts[number] }

    public func finishPayout(number: String, succeeded: Bool) throws(LedgerRefusal) -> SandboxPayout {
        guard var payout = payouts[number] else { throw .notFound }
        payout.status = succeeded ? .succeeded : .failed
        if !succeeded { balances[payout.amount.currency.code, default: 0] += payout.amount.minorUnits }
        payouts[number] = payout
        return payout
    }

    public func balance() -> [String: Int64] { balances }

    /// A customer's UPI payment that reached the gateway unlinked; returns it with its UTR (12
    /// digits starting with 7, apart from the invoices' UTRs).
    public func creditUPI(_ amount: Money) -> SandboxUPICredit {
        sequence += 1
        let credit = SandboxUPICredit(utr: "7" + String(10_000_000_000 + sequence).dropFirst(), amount: amount, linkedTo: nil)
        upiCredits[credit.utr] = credit
        return credit
    }

    public func upiCredit(utr: String) -> SandboxUPICredit? { upiCredits[utr] }

    /// Links an unlinked UPI credit to a pending invoice of the same amount, which is then paid.
    public func link(utr: String, provider: String, number: String) throws(LedgerRefusal) -> SandboxPayment {
        guard var credit = upiCredits[utr], let payment = payments[Self.key(provider, number)] else { throw .notFound }
        guard credit.linkedTo == nil, payment.status == .pending else { throw .notPayable }
        guard credit.amount == payment.amount else { throw .amountMismatch }
        let paid = try settle(provider: provider, number: number, to: .paid)
        credit.linkedTo = number
        upiCredits[utr] = credit
        return paid
    }

    /// Every payment, for invariant checks against PaySync's store.
    public func allPayments() -> [SandboxPayment] {
        payments.values.sorted { ($0.provider, $0.merchantOrderNumber) < ($1.provider, $1.merchantOrderNumber) }
    }

    /// Every refund, for invariant checks against PaySync's store.
    public func allRefunds() -> [SandboxRefund] {
        refunds.values.sorted { ($0.provider, $0.refundNumber) < ($1.provider, $1.refundNumber) }
    }
}

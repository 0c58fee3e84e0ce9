import PaySyncCore

/// Something PaySync asks a gateway to do. Adapters that lack an operation answer
/// `GatewayError.unsupported` when asked to build it.
public enum GatewayOperation: Hashable, Sendable {
    case createPayment(PaymentCreation)
    case queryPayment(PaymentReference)
    case cancelPayment(PaymentReference)
    case submitRefund(RefundSubmission)
    case queryRefund(RefundReference)
    case submitPayout(PayoutSubmission)
    case queryPayout(PayoutReference)
    case queryUTR(utr: String)
    case repairUTR(utr: String, merchantOrderNumber: String)
    case balance

    /// A short stable name for logs, metrics and audit rows.
    public var name: String {
        switch self {
        case .createPayment: "create_payment"
        case .queryPayment: "query_payment"
        case .cancelPayment: "cancel_payment"
        case .submitRefund: "submit_refund"
        case .queryRefund: "query_refund"
        case .submitPayout: "submit_payout"
        case .queryPayout: "query_payout"
        case .queryUTR: "query_utr"
        case .repairUTR: "repair_utr"
        case .balance: "balance"
        }
    }
}

public struct PaymentCreation: Hashable, Sendable {
    public var merchantOrderNumber: String
    public var amount: Money
    public var subject: String
    /// Where the gateway sends callbacks for this payment.
    public var notifyURL: String
    /// Where the customer's browser returns after a hosted page, when the gateway has one.
    public var returnURL: String?
    /// The gateway's channel or pay method, when it needs one (NewPay `channel`, PayZApp `channelCode`).
    public var channel: String?

    public init(merchantOrderNumber: String, amount: Money, subject: String, notifyURL: String, returnURL: String? = nil, channel: String? = nil) {
        self.merchantOrderNumber = merchantOrderNumber
        self.amount = amount
        self.subject = subject
        self.notifyURL = notifyURL
        self.returnURL = returnURL
        self.channel = channel
    }
}

public struct PaymentReference: Hashable, Sendable {
    public var merchantOrderNumber: String
    public var gatewayOrderNumber: String?

    public init(merchantOrderNumber: String, gatewayOrderNumber: String? = nil) {
        self.merchantOrderNumber = merchantOrderNumber
        self.gatewayOrderNumber = gatewayOrderNumber
    }
}

public struct RefundSubmission: Hashable, Sendable {
    /// Our number for the refund, unique per merchant; the idempotency key at the gateway.
    public var refundNumber: String
    public var merchantOrderNumber: String
    public var gatewayOrderNumber: String?
    public var amount: Money
    public var orderAmount: Money
    public var reason: String
    public var notifyURL: String

    public init(
        refundNumber: String, merchantOrderNumber: String, gatewayOrderNumber: String?, amount: Money, orderAmount: Money, reason: String,
        notifyURL: String
    ) {
        self.refundNumber = refundNumber
        self.merchantOrderNumber = merchantOrderNumber
        self.gatewayOrderNumber = gatewayOrderNumber
        self.amount = amount
        self.orderAmount = orderAmount
        self.reason = reason
        self.notifyURL = notifyURL
    }
}

public struct RefundReference: Hashable, Sendable {
    public var refundNumber: String
    public init(refundNumber: String) { self.refundNumber = refundNumber }
}

/// Who a payout pays: the domain's `Beneficiary`, as the gateways' payout requests carry it.
public typealias Payee = Beneficiary

public struct PayoutSubmission: Hashable, Sendable {
    public var payoutNumber: String
    public var amount: Money
    public var payee: Payee
    public var channel: String
    public var notifyURL: String

    public init(payoutNumber: String, amount: Money, payee: Payee, channel: String, notifyURL: String) {
        self.payoutNumber = payoutNumber
        self.amount = amount
        self.payee = payee
        self.channel = channel
        self.notifyURL = notifyURL
    }
}

public struct PayoutReference: Hashable, Sendable {
    public var payoutNumber: String
    public init(payoutNumber: String) { self.payoutNumber = payoutNumber }
}

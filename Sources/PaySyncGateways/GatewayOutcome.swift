import PaySyncCore

/// What came of one gateway call. Three different things, which the reconciler treats differently:
/// the gateway answered (`answered`), the gateway understood and said no (`refused`), or we could
/// not reach or could not understand the gateway (`failed` — retry with backoff, never a verdict).
public enum GatewayOutcome: Hashable, Sendable {
    case answered(GatewayAnswer)
    /// A business refusal in the gateway's own words (order not found, refund exceeds paid, …).
    case refused(code: String, message: String)
    case failed(GatewayFailure)
}

/// What the gateway said, in domain terms, with its own status text kept as evidence.
public enum GatewayAnswer: Hashable, Sendable {
    case paymentCreated(CreatedPayment)
    case payment(PaymentReport)
    case cancel(CancelReport)
    case refund(RefundReport)
    case payout(PayoutReport)
    case utr(UTRReport)
    case utrRepair(accepted: Bool, message: String)
    case balance([Money])
}

public struct CreatedPayment: Hashable, Sendable {
    public var gatewayOrderNumber: String
    /// The hosted page or checkout URL, when the gateway gives one.
    public var payURL: String?
    /// QR-code content, when the gateway gives one.
    public var qrContent: String?

    public init(gatewayOrderNumber: String, payURL: String? = nil, qrContent: String? = nil) {
        self.gatewayOrderNumber = gatewayOrderNumber
        self.payURL = payURL
        self.qrContent = qrContent
    }
}

/// A payment's state at the gateway.
public enum PaymentState: String, Hashable, Sendable, CaseIterable {
    case pending, processing, paid, failed, expired, canceled

    /// The state-machine input this state is evidence for.
    public var orderInput: OrderInput {
        switch self {
        case .pending: .submitted
        case .processing: .processing
        case .paid: .paid
        case .failed: .failed
        case .expired: .expired
        case .canceled: .canceled
        }
    }
}

public struct PaymentReport: Hashable, Sendable {
    public var merchantOrderNumber: String
    public var gatewayOrderNumber: String?
    public var state: PaymentState
    /// The gateway's own status text (`"2"`, `"PAID_SUCCESS"`).
    public var providerStatus: String
    /// The amount the gateway states, when it states one.
    public var amount: Money?
    /// The gateway's app or merchant id in the message, to compare with ours.
    public var merchantID: String?
    /// Every amount the message states as actually paid, where the wire carries one (CodePay
    /// `trans_amount` and `paid_amount`, PayBy `paymentInfo.paidAmount`).
    public var paidAmounts: [Money]

    public init(
        merchantOrderNumber: String, gatewayOrderNumber: String?, state: PaymentState, providerStatus: String, amount: Money?,
        merchantID: String? = nil, paidAmounts: [Money] = []
    ) {
        self.merchantOrderNumber = merchantOrderNumber
        self.gatewayOrderNumber = gatewayOrderNumber
        self.state = state
        self.providerStatus = providerStatus
        self.amount = amount
        self.merchantID = merchantID
        self.paidAmounts = paidAmounts
    }

    /// The first amount the report states that is not `expected`: the order's amount, or — for a
    /// payment reported paid — an amount actually paid. Such a report is reviewed, never applied.
    public func amount(differingFrom expected: Money) -> Money? {
        if let amount, amount != expected { return amount }
        guard state == .paid else { return nil }
        return paidAmounts.first { $0 != expected }
    }
}

public enum CancelReport: Hashable, Sendable {
    /// The gateway closed the unpaid order.
    case closed(providerStatus: String)
    /// The gateway refused: the order is paid (the race a query before cancel narrows).
    case alreadyPaid(providerStatus: String)
}

public enum RefundState: String, Hashable, Sendable, CaseIterable {
    case processing, succeeded, failed
}

public struct RefundReport: Hashable, Sendable {
    public var refundNumber: String
    public var gatewayRefundNumber: String?
    public var merchantOrderNumber: String?
    public var state: RefundState
    public var providerStatus: String
    public var amount: Money?
    /// The merchant the notification names, where the wire carries one (checked like a payment's).
    public var merchantID: String?

    public init(
        refundNumber: String, gatewayRefundNumber: String?, merchantOrderNumber: String?, state: RefundState, providerStatus: String,
        amount: Money?, merchantID: String? = nil
    ) {
        self.refundNumber = refundNumber
        self.gatewayRefundNumber = gatewayRefundNumber
        self.merchantOrderNumber = merchantOrderNumber
        self.state = state
        self.providerStatus = providerStatus
        self.amount = amount
        self.merchantID = merchantID
    }
}

public enum PayoutState: String, Hashable, Sendable, CaseIterable {
    case processing, succeeded, failed
}

public struct PayoutReport: Hashable, Sendable {
    public var payoutNumber: String
    public var gatewayPayoutNumber: String?
    public var state: PayoutState
    public var providerStatus: String
    public var amount: Money?
    /// The merchant the notification names, where the wire carries one (checked like a payment's).
    public var merchantID: String?

    public init(
        payoutNumber: String, gatewayPayoutNumber: String?, state: PayoutState, providerStatus: String, amount: Money?, merchantID: String? = nil
    ) {
        self.payoutNumber = payoutNumber
        self.gatewayPayoutNumber = gatewayPayoutNumber
        self.state = state
        self.providerStatus = providerStatus
        self.amount = amount
        self.merchantID = merchantID
    }
}

public struct UTRReport: Hashable, Sendable {
    public var utr: String
    /// PayZApp's `check`: the UTR is matched and settled.
    public var settled: Bool
    public var amount: Money?
    public var merchantOrderNumber: String?

    public init(utr: String, settled: Bool, amount: Money?, merchantOrderNumber: String?) {
        self.utr = utr
        self.settled = settled
        self.amount = amount
        self.merchantOrderNumber = merchantOrderNumber
    }
}

/// Why a call produced no verdict.
public struct GatewayFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        case timeout
        /// Connection refused, reset, DNS.
        case unreachable
        /// A 5xx, or any status the gateway does not use for answers.
        case httpStatus = "http_status"
        /// The body is not the gateway's format.
        case malformedResponse = "malformed_response"
        /// The answer's signature does not verify: never believed.
        case badSignature = "bad_signature"
        /// A status value the adapter does not know: recorded, never guessed.
        case unknownStatus = "unknown_status"
        /// The gateway has no such operation (NewPay and PayZApp have no cancel): nothing was sent.
        case unsupported
        /// The adapter could not build the request (an amount the gateway cannot express): nothing was sent.
        case notSent = "not_sent"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// An answer the adapter could not read: an unknown status stays one, anything else is malformed.
    init(unreadable rejection: CallbackRejection) {
        self.init(rejection.reason == .unknownStatus ? .unknownStatus : .malformedResponse, rejection.message)
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

/// The adapter cannot build this request.
public struct GatewayError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// The gateway has no such operation (NewPay and PayZApp have no cancel).
        case unsupported
        /// The amount cannot be written in this gateway's format (LAK with decimals for NewPay).
        case unrepresentableAmount = "unrepresentable_amount"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

/// Where a refund stands.
public enum RefundStatus: String, Hashable, Sendable, CaseIterable {
    /// Recorded; the gateway has not answered the submission yet (it is resubmitted with the same
    /// refund number, which the gateway treats as idempotent).
    case requested
    /// The gateway accepted it and has not finished.
    case processing
    case succeeded
    case failed

    public var isFinal: Bool {
        switch self {
        case .succeeded, .failed: true
        case .requested, .processing: false
        }
    }
}

/// Money returned to the customer from a paid order, in one or more partial refunds whose sum
/// never exceeds the paid amount.
public struct Refund: Hashable, Sendable {
    /// `rfd_` + 20 characters.
    public let id: String
    public let orderID: OrderID
    public let account: MerchantAccountID
    public let provider: ProviderID
    /// Our number for the refund at the gateway, unique per account: the idempotency key.
    public let refundNumber: String
    public let amount: Money
    public let reason: String
    public var status: RefundStatus
    public var gatewayRefundNumber: String?
    /// When the refund is next followed up at the gateway, while not final.
    public var nextCheckAt: Timestamp?
    public var failures: Int
    public let createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, orderID: OrderID, account: MerchantAccountID, provider: ProviderID, refundNumber: String, amount: Money, reason: String,
        status: RefundStatus, gatewayRefundNumber: String?, nextCheckAt: Timestamp?, failures: Int, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.orderID = orderID
        self.account = account
        self.provider = provider
        self.refundNumber = refundNumber
        self.amount = amount
        self.reason = reason
        self.status = status
        self.gatewayRefundNumber = gatewayRefundNumber
        self.nextCheckAt = nextCheckAt
        self.failures = failures
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

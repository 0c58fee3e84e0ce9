/// One merchant order: the merchant's number, the amount, and where its payment stands.
public struct Order: Hashable, Sendable {
    public let id: OrderID
    public let account: MerchantAccountID
    public let merchantOrderNumber: MerchantOrderNumber
    public let provider: ProviderID
    public let amount: Money
    public let subject: String
    public var status: OrderStatus
    /// The payment attempt, from 1; re-initiation starts the next.
    public var attempt: Int
    /// Bumped by exactly one on every change; a compare-and-set guard for writers.
    public var version: Int64
    /// The gateway's number for the current attempt, once known.
    public var gatewayOrderNumber: String?
    /// What the customer's front end needs to pay the current attempt (hosted page, QR content).
    public var checkout: Checkout?
    /// The next gateway query, while the order has no final answer; `nil` once it has one.
    public var check: CheckState?
    public let createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: OrderID, account: MerchantAccountID, merchantOrderNumber: MerchantOrderNumber, provider: ProviderID,
        amount: Money, subject: String, status: OrderStatus, attempt: Int, version: Int64,
        gatewayOrderNumber: String?, createdAt: Timestamp, updatedAt: Timestamp, checkout: Checkout? = nil, check: CheckState? = nil
    ) {
        self.id = id
        self.account = account
        self.merchantOrderNumber = merchantOrderNumber
        self.provider = provider
        self.amount = amount
        self.subject = subject
        self.status = status
        self.attempt = attempt
        self.version = version
        self.gatewayOrderNumber = gatewayOrderNumber
        self.checkout = checkout
        self.check = check
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// How a customer pays an attempt, as the gateway's create call answered.
public struct Checkout: Hashable, Sendable {
    /// A hosted payment page or deep link.
    public var url: String?
    /// Content to render as a QR code.
    public var qrContent: String?

    public init(url: String?, qrContent: String?) {
        self.url = url
        self.qrContent = qrContent
    }
}

import PaySyncCore

/// An order as the API shows it and as events carry it. Amounts appear twice: `amount` as exact
/// decimal text in major units, `amountMinor` as integer minor units — never as a JSON
/// floating-point number.
public struct OrderResource: Codable, Hashable, Sendable {
    public let id: String
    public let account: String
    public let merchantOrderNumber: String
    public let provider: String
    public let amount: String
    public let amountMinor: Int64
    public let currency: String
    public let subject: String
    public let status: String
    public let attempt: Int
    /// Rises by one with every committed change: a receiver applies a version only over a lower one.
    public let version: Int64
    public let gatewayOrderNumber: String?
    /// The hosted page or deep link the customer pays at, once the gateway accepted the order.
    public let checkoutUrl: String?
    /// QR-code content, when the gateway gives one.
    public let checkoutQr: String?
    public let createdAt: String
    public let updatedAt: String

    public init(_ order: Order) {
        id = order.id.rawValue
        account = order.account.rawValue
        merchantOrderNumber = order.merchantOrderNumber.rawValue
        provider = order.provider.rawValue
        amount = order.amount.decimalString
        amountMinor = order.amount.minorUnits
        currency = order.amount.currency.code
        subject = order.subject
        status = order.status.rawValue
        attempt = order.attempt
        version = order.version
        gatewayOrderNumber = order.gatewayOrderNumber
        checkoutUrl = order.checkout?.url
        checkoutQr = order.checkout?.qrContent
        createdAt = order.createdAt.iso8601
        updatedAt = order.updatedAt.iso8601
    }
}

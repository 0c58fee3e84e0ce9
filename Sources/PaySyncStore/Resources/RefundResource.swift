import PaySyncCore

/// A refund as the API shows it and as events carry it.
public struct RefundResource: Codable, Hashable, Sendable {
    public let id: String
    public let orderId: String
    public let account: String
    public let refundNumber: String
    public let amount: String
    public let amountMinor: Int64
    public let currency: String
    public let reason: String
    public let status: String
    public let gatewayRefundNumber: String?
    public let createdAt: String
    public let updatedAt: String

    public init(_ refund: Refund) {
        id = refund.id
        orderId = refund.orderID.rawValue
        account = refund.account.rawValue
        refundNumber = refund.refundNumber
        amount = refund.amount.decimalString
        amountMinor = refund.amount.minorUnits
        currency = refund.amount.currency.code
        reason = refund.reason
        status = refund.status.rawValue
        gatewayRefundNumber = refund.gatewayRefundNumber
        createdAt = refund.createdAt.iso8601
        updatedAt = refund.updatedAt.iso8601
    }
}

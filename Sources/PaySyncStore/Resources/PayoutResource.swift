import PaySyncCore

/// A payout as the API shows it and as events carry it (the beneficiary stays out of events).
public struct PayoutResource: Codable, Hashable, Sendable {
    public let id: String
    public let account: String
    public let provider: String
    public let payoutNumber: String
    public let amount: String
    public let amountMinor: Int64
    public let currency: String
    public let channel: String
    public let status: String
    public let gatewayPayoutNumber: String?
    public let createdAt: String
    public let updatedAt: String

    public init(_ payout: Payout) {
        id = payout.id
        account = payout.account.rawValue
        provider = payout.provider.rawValue
        payoutNumber = payout.payoutNumber
        amount = payout.amount.decimalString
        amountMinor = payout.amount.minorUnits
        currency = payout.amount.currency.code
        channel = payout.channel
        status = payout.status.rawValue
        gatewayPayoutNumber = payout.gatewayPayoutNumber
        createdAt = payout.createdAt.iso8601
        updatedAt = payout.updatedAt.iso8601
    }
}

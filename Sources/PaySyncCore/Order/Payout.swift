/// Where a payout stands: the states of a refund (money going out follows one rule).
public typealias PayoutStatus = RefundStatus

/// Who a payout pays: a bank account (INR: account number, holder, IFSC, bank), a PIX key (BRL),
/// or a wallet (USDT).
public struct Beneficiary: Hashable, Sendable {
    public var accountNumber: String
    public var accountName: String
    /// IFSC for INR; empty elsewhere.
    public var bankCode: String
    /// INR: bank name; BRL: CPF|CNPJ|PHONE|EMAIL (PIX key type); USDT: TRC20|ERC20.
    public var bank: String
    public var phone: String

    public init(accountNumber: String, accountName: String, bankCode: String, bank: String, phone: String) {
        self.accountNumber = accountNumber
        self.accountName = accountName
        self.bankCode = bankCode
        self.bank = bank
        self.phone = phone
    }
}

/// Money the merchant sends out through a gateway (a PayZApp transfer), under a payout number of
/// its own — unique per account — that makes the submission idempotent.
public struct Payout: Hashable, Sendable {
    /// `pyt_` + 20 characters.
    public let id: String
    public let account: MerchantAccountID
    public let provider: ProviderID
    public let payoutNumber: String
    public let amount: Money
    public let beneficiary: Beneficiary
    /// The gateway's payout channel (PayZApp: `IMPS`, `PIX`, …).
    public let channel: String
    public var status: PayoutStatus
    public var gatewayPayoutNumber: String?
    /// When the payout is next followed up at the gateway, while not final.
    public var nextCheckAt: Timestamp?
    public var failures: Int
    public let createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, account: MerchantAccountID, provider: ProviderID, payoutNumber: String, amount: Money, beneficiary: Beneficiary, channel: String,
        status: PayoutStatus, gatewayPayoutNumber: String?, nextCheckAt: Timestamp?, failures: Int, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.account = account
        self.provider = provider
        self.payoutNumber = payoutNumber
        self.amount = amount
        self.beneficiary = beneficiary
        self.channel = channel
        self.status = status
        self.gatewayPayoutNumber = gatewayPayoutNumber
        self.nextCheckAt = nextCheckAt
        self.failures = failures
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

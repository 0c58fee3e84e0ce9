import PaySyncCore

/// What a deployment accepts on its merchant API: its accounts, its gateways, its currencies.
public struct OrderPolicy: Sendable {
    public var accounts: Set<MerchantAccountID>
    public var providers: Set<ProviderID>
    public var currencies: CurrencyRegistry
    /// Longest accepted `subject`, in characters.
    public var maximumSubjectLength: Int
    /// When orders without a final answer are queried at their gateway.
    public var ladder: PollLadder = .progressive
    /// Gateways checked by the sweep strategy instead of the ladder.
    public var sweeps: [ProviderID: SweepPolicy] = [:]

    /// The check schedule of `provider`'s orders.
    public func schedule(for provider: ProviderID) -> any CheckSchedule {
        sweeps[provider] ?? ladder
    }

    public init(
        accounts: Set<MerchantAccountID> = [.default],
        providers: Set<ProviderID> = OrderPolicy.builtInProviders,
        currencies: CurrencyRegistry = .standard,
        maximumSubjectLength: Int = 256
    ) {
        self.accounts = accounts
        self.providers = providers
        self.currencies = currencies
        self.maximumSubjectLength = maximumSubjectLength
    }

    /// `codepay`, `payby`, `newpay`, `payzapp`.
    public static let builtInProviders: Set<ProviderID> = Set(["codepay", "payby", "newpay", "payzapp"].map { try! ProviderID($0) })
}

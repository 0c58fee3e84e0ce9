import PaySyncCore
import PaySyncSandbox

/// What a demo run plays: how many customers, on which gateways, with which faults, how fast.
public struct DemoOptions: Sendable, Hashable, Codable {
    public var orders = 1_000
    public var seed: UInt64 = 1
    public var providers = DemoOptions.allProviders
    /// Fraction of callback deliveries lost on the way.
    public var drop = 0.30
    /// Fraction of callbacks delivered twice.
    public var duplicate = 0.20
    /// Fraction held back past the next delivery.
    public var delay = 0.10
    /// Fraction followed by a forged copy.
    public var forge = 0.05
    /// Fraction followed by a gateway-signed copy stating another amount.
    public var tamper = 0.02
    /// Fraction of queries that fail without a verdict: half answer 503, half an unreadable body.
    public var queryFailures = 0.10
    /// Fraction of queries that time out. Each costs real time (PaySync's gateway timeout), so the
    /// default is none.
    public var queryTimeouts = 0.0
    /// Simulated milliseconds per wall millisecond (30: the 30-minute ladder plays in a minute).
    /// `nil`: as fast as the machine goes. Pacing only waits; the outcome is the same either way.
    public var timeScale: Double?
    /// Customers arrive evenly over this many simulated seconds.
    public var arrivalSeconds: Int64 = 600
    /// The shop's event endpoint: fraction of deliveries answered 500, timed out (on simulated
    /// time: see `DemoShop.stalledHeader`), and applied but answered 500 (the acknowledgement lost, so the same
    /// event comes again); and an outage of this many simulated minutes, from the fifth minute.
    public var shopFailures = 0.20
    public var shopTimeouts = 0.05
    public var shopLostAcks = 0.05
    public var shopOutageMinutes: Int64 = 60

    public init() {}

    public static let allProviders = ["codepay", "payby", "newpay", "payzapp"]

    /// Each gateway's currency in the demo.
    static let currencies: [String: Currency] = ["codepay": .USD, "payby": .AED, "newpay": .BRL, "payzapp": .INR]

    /// Gateways reconciled by the sweep strategy instead of the progressive ladder (so both run).
    static let sweepProviders: Set<String> = ["payby"]

    /// The sandbox's fault plan: the same rates on every gateway, drawn from the seed.
    var faultPlan: FaultPlan {
        var rates = FaultPlan.Rates()
        rates.drop = drop
        rates.duplicate = duplicate
        rates.delay = delay
        rates.forge = forge
        rates.tamper = tamper
        rates.queryServerError = queryFailures / 2
        rates.queryMalformed = queryFailures / 2
        rates.queryTimeout = queryTimeouts
        return FaultPlan(seed: seed, rates: Dictionary(uniqueKeysWithValues: Self.allProviders.map { ($0, rates) }))
    }

    /// Why these options cannot run, if they cannot.
    public func problem() -> String? {
        if orders < 1 || orders > 1_000_000 { return "--orders must be between 1 and 1000000" }
        if let unknown = providers.first(where: { !Self.allProviders.contains($0) }) {
            return "unknown provider \(unknown); choose from \(Self.allProviders.joined(separator: ", "))"
        }
        if providers.isEmpty { return "at least one provider is needed" }
        for (name, rate) in [("drop", drop), ("duplicate", duplicate), ("delay", delay), ("forge", forge), ("tamper", tamper)]
        where !(0...1).contains(rate) {
            return "--\(name) must be a fraction between 0 and 1"
        }
        if !(0...1).contains(queryFailures + queryTimeouts) { return "--query-failures plus --query-timeouts must be between 0 and 1" }
        if !(0..<1).contains(shopFailures + shopTimeouts + shopLostAcks) || [shopFailures, shopTimeouts, shopLostAcks].contains(where: { $0 < 0 }) {
            return "--shop-failures, --shop-timeouts and --shop-lost-acks are fractions whose sum is below 1"
        }
        if shopOutageMinutes < 0 { return "--shop-outage-minutes must not be negative" }
        if let timeScale, !(timeScale > 0) { return "--time-scale must be positive" }
        if arrivalSeconds < 1 { return "the arrival window must be at least one second" }
        return nil
    }
}

import Crypto
import Foundation

/// Seeded, per-gateway fault rates. Every decision is a pure function of the seed and the event's
/// identity (gateway, order, attempt), never of timing or a shared random stream, so the same
/// seed gives the same faults however requests interleave.
public struct FaultPlan: Sendable, Hashable {
    public struct Rates: Sendable, Hashable {
        /// Fraction of callback deliveries lost on the way.
        public var drop = 0.0
        /// Fraction delivered twice.
        public var duplicate = 0.0
        /// Fraction held back past the next delivery.
        public var delay = 0.0
        /// Fraction followed by a forged copy (signed with a key that is not the gateway's).
        public var forge = 0.0
        /// Fraction followed by a gateway-signed copy stating another amount.
        public var tamper = 0.0
        /// Fraction of queries that time out, answer 503, or answer a malformed body (each).
        public var queryTimeout = 0.0
        public var queryServerError = 0.0
        public var queryMalformed = 0.0

        public init() {}
    }

    public var seed: UInt64
    public var rates: [String: Rates]

    public init(seed: UInt64 = 1, rates: [String: Rates] = [:]) {
        self.seed = seed
        self.rates = rates
    }

    /// No faults at all.
    public static let none = FaultPlan()

    /// A number in [0, 1) determined by the seed and `parts` (also for scenario decisions that
    /// must replay with the same seed, as the demo's customers).
    public func draw(_ parts: String...) -> Double {
        let digest = SHA256.hash(data: Data((String(seed) + "|" + parts.joined(separator: "|")).utf8))
        let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(value >> 11) / Double(UInt64(1) << 53)
    }

    func rates(_ provider: String) -> Rates { rates[provider] ?? Rates() }

    /// What happens to one callback delivery attempt.
    public struct DeliveryFaults: Hashable, Sendable {
        public var drop = false
        public var duplicate = false
        public var delay = false
        public var forge = false
        public var tamper = false
        public init() {}
        init(drop: Bool, duplicate: Bool, delay: Bool, forge: Bool, tamper: Bool) {
            self.drop = drop
            self.duplicate = duplicate
            self.delay = delay
            self.forge = forge
            self.tamper = tamper
        }
    }

    public func delivery(provider: String, event: String, attempt: Int) -> DeliveryFaults {
        let r = rates(provider)
        let id = "\(provider)|\(event)|\(attempt)"
        return DeliveryFaults(
            drop: draw(id, "drop") < r.drop, duplicate: draw(id, "duplicate") < r.duplicate, delay: draw(id, "delay") < r.delay,
            // Forgeries and tampering are per event, on its first attempt.
            forge: attempt == 1 && draw(id, "forge") < r.forge, tamper: attempt == 1 && draw(id, "tamper") < r.tamper)
    }

    public enum QueryFault: String, Hashable, Sendable { case timeout, serverError, malformed }

    /// Whether the `count`-th query of an order fails, and how.
    public func query(provider: String, order: String, count: Int) -> QueryFault? {
        let r = rates(provider)
        let x = draw(provider, order, String(count), "query")
        if x < r.queryTimeout { return .timeout }
        if x < r.queryTimeout + r.queryServerError { return .serverError }
        if x < r.queryTimeout + r.queryServerError + r.queryMalformed { return .malformed }
        return nil
    }
}

/// When a gateway tries a callback again after an attempt that was not acknowledged: the gap
/// before each retry, in seconds. `repeatLast` keeps retrying at the last gap (PayZApp).
public struct RedeliverySchedule: Hashable, Sendable {
    public let gapsSeconds: [Int64]
    public let repeatLast: Bool
    /// A cap on attempts when `repeatLast` (the sandbox must stop somewhere).
    public let maximumAttempts: Int

    public init(gapsSeconds: [Int64], repeatLast: Bool = false, maximumAttempts: Int? = nil) {
        self.gapsSeconds = gapsSeconds
        self.repeatLast = repeatLast
        self.maximumAttempts = maximumAttempts ?? gapsSeconds.count + 1
    }

    /// The gap after attempt `attempt` (1-based), or `nil` when the gateway gives up.
    public func gap(after attempt: Int) -> Int64? {
        guard attempt < maximumAttempts else { return nil }
        if attempt <= gapsSeconds.count { return gapsSeconds[attempt - 1] }
        return repeatLast ? gapsSeconds.last : nil
    }

    /// [src] CodePay: 15 attempts over ~12 h — 5s, 10s, 15s, 30s, 60s, 3m, 10m, 15m, 30m ×3, 3h ×3.
    public static let codePay = RedeliverySchedule(gapsSeconds: [5, 10, 15, 30, 60, 180, 600, 900, 1800, 1800, 1800, 10800, 10800, 10800])
    /// [src] PayBy: retries at 2m, 10m, 10m, 1h, 2h, 6h, 15h ([assumption] these are the gaps
    /// after the first notification, so 8 deliveries in all, ~24 h).
    public static let payBy = RedeliverySchedule(gapsSeconds: [120, 600, 600, 3600, 7200, 21600, 54000])
    /// [src] NewPay: retries after 10 s, 5 min, 30 min, then stops.
    public static let newPay = RedeliverySchedule(gapsSeconds: [10, 300, 1800])
    /// [src] PayZApp: every 60 s until acknowledged, no guarantee; the sandbox stops after a day.
    public static let payZApp = RedeliverySchedule(gapsSeconds: [60], repeatLast: true, maximumAttempts: 1441)
}

import PaySyncCore

/// How many failed sign-ins the console allows before it stops listening for a while: counted
/// per name and per address, so a guesser can neither hammer one operator from many addresses
/// nor many operators from one. A pure value; `OperatorService` holds it in memory (each
/// instance counts its own attempts).
public struct LoginThrottle: Sendable, Equatable {
    /// Failures within `windowMilliseconds` that lock a key.
    public var maximumFailures: Int
    public var windowMilliseconds: Int64
    /// Failure times per key, oldest first, within the window.
    private(set) var failures: [String: [Timestamp]] = [:]
    /// Keys kept at most; the oldest are forgotten beyond it, so a flood of names cannot grow memory.
    private let maximumKeys = 10_000

    public init(maximumFailures: Int = 5, windowMilliseconds: Int64 = 15 * 60_000) {
        self.maximumFailures = maximumFailures
        self.windowMilliseconds = windowMilliseconds
    }

    /// The keys an attempt counts against.
    public static func keys(name: String, address: String) -> [String] { ["name:" + name.lowercased(), "address:" + address] }

    /// Milliseconds until an attempt on `keys` is heard again, or `nil` when it is heard now.
    public func wait(_ keys: [String], now: Timestamp) -> Int64? {
        let waits = keys.compactMap { key -> Int64? in
            let recent = (failures[key] ?? []).filter { now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch < windowMilliseconds }
            guard recent.count >= maximumFailures else { return nil }
            // Heard again when the oldest failure that still counts leaves the window.
            return recent[recent.count - maximumFailures].millisecondsSinceEpoch + windowMilliseconds - now.millisecondsSinceEpoch
        }
        return waits.max()
    }

    public mutating func failed(_ keys: [String], now: Timestamp) {
        for key in keys {
            var recent = (failures[key] ?? []).filter { now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch < windowMilliseconds }
            recent.append(now)
            failures[key] = Array(recent.suffix(maximumFailures))
        }
        if failures.count > maximumKeys {
            let oldest = failures.sorted { ($0.value.last?.millisecondsSinceEpoch ?? 0) < ($1.value.last?.millisecondsSinceEpoch ?? 0) }
            for (key, _) in oldest.prefix(failures.count - maximumKeys) { failures[key] = nil }
        }
    }

    /// A successful sign-in forgets the name's failures (not the address's).
    public mutating func succeeded(name: String) {
        failures["name:" + name.lowercased()] = nil
    }
}

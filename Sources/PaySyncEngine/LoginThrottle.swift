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

    /// Admits an attempt on `keys` at `now`, or answers how long until one is heard. An admitted
    /// attempt counts as a failure at once — before its password is checked — so attempts sent
    /// together cannot all pass the check while the first is still being hashed;
    /// `succeeded(_:at:)` takes it back.
    public mutating func admit(_ keys: [String], now: Timestamp) -> Int64? {
        if let wait = wait(keys, now: now) { return wait }
        for key in keys {
            var recent = (failures[key] ?? []).filter { now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch < windowMilliseconds }
            recent.append(now)
            failures[key] = Array(recent.suffix(maximumFailures))
        }
        if failures.count > maximumKeys {
            let oldest = failures.sorted { ($0.value.last?.millisecondsSinceEpoch ?? 0) < ($1.value.last?.millisecondsSinceEpoch ?? 0) }
            for (key, _) in oldest.prefix(failures.count - maximumKeys) { failures[key] = nil }
        }
        return nil
    }

    /// The attempt admitted on `keys` at `at` succeeded: it no longer counts against the address,
    /// and the name's failures are forgotten.
    public mutating func succeeded(_ keys: [String], at: Timestamp) {
        for key in keys {
            if key.hasPrefix("name:") {
                failures[key] = nil
            } else if var times = failures[key], let index = times.lastIndex(of: at) {
                times.remove(at: index)
                failures[key] = times.isEmpty ? nil : times
            }
        }
    }
}

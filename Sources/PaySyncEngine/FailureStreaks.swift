import Synchronization

/// Consecutive failures per key (a gateway and account, the store), so a failing dependency is
/// logged once when its streak starts and once when it recovers, not once per call.
public final class FailureStreaks: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    public init() {}

    /// Counts a failure of `key`; returns whether it starts a streak (the one to log).
    public func failed(_ key: String) -> Bool {
        counts.withLock { counts in
            counts[key, default: 0] += 1
            return counts[key] == 1
        }
    }

    /// Ends `key`'s streak; returns how many failures it held, or `nil` when there was none.
    public func succeeded(_ key: String) -> Int? {
        counts.withLock { counts in counts.removeValue(forKey: key) }
    }
}

import Synchronization

/// Consecutive failures per key (a gateway and account, the store), so a failing dependency is
/// logged once when its streak starts and once when it recovers, not once per call. A success
/// while no streak is open — every callback and gateway answer — reads one atomic, takes no lock.
public final class FailureStreaks: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    /// How many keys have a streak open.
    private let open = Atomic<Int>(0)

    public init() {}

    /// Counts a failure of `key`; returns whether it starts a streak (the one to log).
    public func failed(_ key: String) -> Bool {
        counts.withLock { counts in
            counts[key, default: 0] += 1
            guard counts[key] == 1 else { return false }
            open.add(1, ordering: .relaxed)
            return true
        }
    }

    /// Ends `key`'s streak; returns how many failures it held, or `nil` when there was none.
    public func succeeded(_ key: String) -> Int? {
        guard open.load(ordering: .relaxed) > 0 else { return nil }
        return counts.withLock { counts in
            guard let failures = counts.removeValue(forKey: key) else { return nil }
            open.subtract(1, ordering: .relaxed)
            return failures
        }
    }
}

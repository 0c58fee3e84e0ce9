import Synchronization

/// The source of "now" for everything time-based in PaySync: schedules, expiry, retries, ids.
///
/// Production uses the system clock (in the engine); tests use `ManualClock` so a 30-minute
/// schedule runs in milliseconds.
public protocol PaySyncClock: Sendable {
    func now() -> Timestamp
}

/// A clock that moves only when told to. Safe to share between tasks.
public final class ManualClock: PaySyncClock {
    private let current: Mutex<Timestamp>

    public init(_ start: Timestamp) {
        current = Mutex(start)
    }

    public func now() -> Timestamp { current.withLock { $0 } }

    /// Moves the clock forward by `milliseconds`.
    public func advance(milliseconds: Int64) {
        current.withLock { $0 = $0.adding(milliseconds: milliseconds) }
    }

    /// Sets the clock to `timestamp`.
    public func set(_ timestamp: Timestamp) {
        current.withLock { $0 = timestamp }
    }
}

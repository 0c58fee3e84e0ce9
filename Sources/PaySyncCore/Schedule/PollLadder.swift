/// When to query a gateway about an order that has no final answer: checks at fixed offsets after
/// an anchor (the create request, or the first failed notification) — seed 000's progressive
/// schedule 5s → 30s → 1m → 3m → 5m → 10m → 30m by default. After the last rung the order is
/// closed (query once more, then the gateway's cancel).
public struct PollLadder: Hashable, Sendable {
    /// Offsets from the anchor, ascending, in milliseconds.
    public let offsetsMilliseconds: [Int64]

    public init(offsetsMilliseconds: [Int64]) {
        precondition(!offsetsMilliseconds.isEmpty && offsetsMilliseconds == offsetsMilliseconds.sorted(), "a ladder has ascending offsets")
        self.offsetsMilliseconds = offsetsMilliseconds
    }

    /// 5s, 30s, 1m, 3m, 5m, 10m, 30m (seed 000, option 1).
    public static let progressive = PollLadder(offsetsMilliseconds: [5_000, 30_000, 60_000, 180_000, 300_000, 600_000, 1_800_000])

    /// The time of rung `rung` (0-based), or `nil` once the ladder is exhausted.
    public func time(ofRung rung: Int, anchor: Timestamp) -> Timestamp? {
        guard rung >= 0, rung < offsetsMilliseconds.count else { return nil }
        return anchor.adding(milliseconds: offsetsMilliseconds[rung])
    }
}

/// An order's place on its check schedule, stored with the order.
public struct CheckState: Hashable, Sendable {
    /// When the ladder started (the create request of the current attempt).
    public var anchor: Timestamp
    /// The next rung to run (0-based).
    public var rung: Int
    /// When the next check is due.
    public var nextAt: Timestamp
    /// Consecutive gateway failures (timeouts, 5xx…) since the last answer; they never burn a rung.
    public var failures: Int

    public init(anchor: Timestamp, rung: Int, nextAt: Timestamp, failures: Int = 0) {
        self.anchor = anchor
        self.rung = rung
        self.nextAt = nextAt
        self.failures = failures
    }

    /// The first check of a schedule anchored at `anchor`.
    public static func start(_ schedule: any CheckSchedule, anchor: Timestamp) -> CheckState {
        CheckState(anchor: anchor, rung: 0, nextAt: schedule.time(ofRung: 0, anchor: anchor) ?? anchor)
    }
}

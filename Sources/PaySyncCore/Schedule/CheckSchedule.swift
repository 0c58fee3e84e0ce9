/// When an order without a final answer is queried: rung by rung from an anchor (the create
/// request). `nil` means the schedule is exhausted and the order is to be closed.
public protocol CheckSchedule: Sendable {
    func time(ofRung rung: Int, anchor: Timestamp) -> Timestamp?
}

extension PollLadder: CheckSchedule {}

/// Seed 000's option 2: a task every `interval` (aligned to the clock, e.g. :00 and :30) queries
/// the unpaid orders created within the last `window`, counting each order's queries; after
/// `maximumChecks` the order is closed. Defaults: 30 s, 10 minutes, 10 checks.
public struct SweepPolicy: CheckSchedule, Hashable {
    public var intervalMilliseconds: Int64
    public var windowMilliseconds: Int64
    public var maximumChecks: Int

    public init(intervalMilliseconds: Int64 = 30_000, windowMilliseconds: Int64 = 600_000, maximumChecks: Int = 10) {
        precondition(intervalMilliseconds > 0 && windowMilliseconds > 0 && maximumChecks > 0)
        self.intervalMilliseconds = intervalMilliseconds
        self.windowMilliseconds = windowMilliseconds
        self.maximumChecks = maximumChecks
    }

    /// The `rung`-th sweep tick after `anchor`, while within the window and the count.
    public func time(ofRung rung: Int, anchor: Timestamp) -> Timestamp? {
        guard rung >= 0, rung < maximumChecks else { return nil }
        let firstTick = (anchor.millisecondsSinceEpoch / intervalMilliseconds + 1) * intervalMilliseconds
        let tick = firstTick + Int64(rung) * intervalMilliseconds
        guard tick - anchor.millisecondsSinceEpoch <= windowMilliseconds else { return nil }
        return Timestamp(millisecondsSinceEpoch: tick)
    }
}

/// The watch of an order closed here because its gateway has no cancel API (NewPay, PayZApp): the
/// gateway is queried again at fixed offsets after the close (the anchor), each rounded up to the
/// next whole minute of the clock, so the watches of every order closed within one minute fall due
/// together and one claim leases them all. A watch is hours out; a minute changes nothing.
public struct WatchSchedule: CheckSchedule, Hashable {
    /// Offsets from the close, in milliseconds; none means no watch.
    public let offsetsMilliseconds: [Int64]
    static let minute: Int64 = 60_000

    public init(offsetsMilliseconds: [Int64]) { self.offsetsMilliseconds = offsetsMilliseconds }

    /// Watch `rung` (0-based): its offset after the close, on the next whole minute; `nil` after the last.
    public func time(ofRung rung: Int, anchor: Timestamp) -> Timestamp? {
        guard rung >= 0, rung < offsetsMilliseconds.count else { return nil }
        let due = anchor.millisecondsSinceEpoch + offsetsMilliseconds[rung]
        let intoMinute = due % Self.minute
        return Timestamp(millisecondsSinceEpoch: due - intoMinute + (intoMinute > 0 ? Self.minute : 0))
    }
}

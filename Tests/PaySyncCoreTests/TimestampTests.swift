import PaySyncCore
import Testing

@Suite("Timestamps")
struct TimestampTests {
    @Test("formats UTC with milliseconds", arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1_795_538_439_123, "2026-11-24T16:40:39.123Z"),
        (951_868_799_999, "2000-02-29T23:59:59.999Z"),
        (-1_000, "1969-12-31T23:59:59.000Z"),
    ])
    func formats(_ ms: Int64, _ text: String) {
        #expect(Timestamp(millisecondsSinceEpoch: ms).iso8601 == text)
        #expect(Timestamp(iso8601: text) == Timestamp(millisecondsSinceEpoch: ms))
    }

    @Test("parses whole seconds and refuses other shapes")
    func parses() {
        #expect(Timestamp(iso8601: "2026-11-24T16:40:39Z") == Timestamp(millisecondsSinceEpoch: 1_795_538_439_000))
        #expect(Timestamp(iso8601: "2026-11-24 16:40:39Z") == nil)
        #expect(Timestamp(iso8601: "2026-13-24T16:40:39Z") == nil)
        #expect(Timestamp(iso8601: "2026-11-24T16:40:39+01:00") == nil)
    }

    @Test("a manual clock moves only when told")
    func manualClock() {
        let clock = ManualClock(Timestamp(millisecondsSinceEpoch: 1_000))
        #expect(clock.now().millisecondsSinceEpoch == 1_000)
        clock.advance(milliseconds: 1_800_000)
        #expect(clock.now().millisecondsSinceEpoch == 1_801_000)
    }
}

@Suite("Check schedules")
struct CheckScheduleTests {
    @Test("the progressive ladder's rungs are offsets from the anchor, then it is exhausted")
    func ladder() {
        let anchor = Timestamp(millisecondsSinceEpoch: 1_000_000)
        let times = (0..<8).map { PollLadder.progressive.time(ofRung: $0, anchor: anchor)?.millisecondsSinceEpoch }
        #expect(times == [1_005_000, 1_030_000, 1_060_000, 1_180_000, 1_300_000, 1_600_000, 2_800_000, nil])
    }

    @Test("the sweep checks on clock-aligned 30 s ticks, 10 times, within 10 minutes of the order")
    func sweep() {
        let anchor = Timestamp(millisecondsSinceEpoch: 1_795_538_439_000)  // …:39 past a tick at …:30
        let offsets = (0..<11).map { SweepPolicy().time(ofRung: $0, anchor: anchor).map { ($0.millisecondsSinceEpoch - anchor.millisecondsSinceEpoch) / 1_000 } }
        #expect(offsets == [21, 51, 81, 111, 141, 171, 201, 231, 261, 291, nil])
        let narrow = SweepPolicy(intervalMilliseconds: 30_000, windowMilliseconds: 100_000, maximumChecks: 10)
        #expect((0..<5).map { narrow.time(ofRung: $0, anchor: anchor) != nil } == [true, true, true, false, false])
    }

    @Test("a watch falls on the first whole minute at or after its offset from the close, then it is exhausted")
    func watches() {
        let watches = WatchSchedule(offsetsMilliseconds: [3_600_000, 21_600_000])
        let closedAt = Timestamp(millisecondsSinceEpoch: 1_795_538_439_000)  // 39 s past a minute
        #expect((0..<3).map { watches.time(ofRung: $0, anchor: closedAt)?.millisecondsSinceEpoch } == [1_795_542_060_000, 1_795_560_060_000, nil])
        let onTheMinute = Timestamp(millisecondsSinceEpoch: 1_795_538_400_000)
        #expect(watches.time(ofRung: 0, anchor: onTheMinute)?.millisecondsSinceEpoch == 1_795_542_000_000)
        #expect(WatchSchedule(offsetsMilliseconds: []).time(ofRung: 0, anchor: closedAt) == nil)
    }
}

import PaySyncCore
import PaySyncStore
import Testing

/// Scheduled checks as leased rows: what every driver must do so several instances can share one
/// database. Runs unchanged against each driver in `StoreDriver.all`.
@Suite("Store conformance: check claims")
struct CheckClaimConformanceTests {
    /// An open order whose next check is due `seconds` after `Fixture.t0`.
    static func due(_ number: String, in seconds: Int64) -> Order {
        var order = Fixture.order(number, status: .pending)
        order.check = CheckState(anchor: Fixture.t0, rung: 0, nextAt: Fixture.t0.adding(milliseconds: seconds * 1_000))
        return order
    }

    static func at(_ seconds: Int64) -> Timestamp { Fixture.t0.adding(milliseconds: seconds * 1_000) }

    @Test("due checks are claimed earliest first, at most `limit`, and a not-yet-due check is left alone", arguments: StoreDriver.all)
    func claimsEarliestFirst(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        for (number, seconds) in [("C-3", Int64(30)), ("C-1", 5), ("C-2", 10), ("C-4", 60)] { try await store.insert(Self.due(number, in: seconds)) }
        let first = try await store.claimDueChecks(owner: "a", now: Self.at(30), leaseMilliseconds: 10_000, limit: 2)
        #expect(first.map(\.merchantOrderNumber.rawValue) == ["C-1", "C-2"])
        let second = try await store.claimDueChecks(owner: "a", now: Self.at(30), leaseMilliseconds: 10_000, limit: 10)
        #expect(second.map(\.merchantOrderNumber.rawValue) == ["C-3"])
        try await store.close()
    }

    @Test("a leased check is not claimed again until its lease ends: a crashed owner's work returns", arguments: StoreDriver.all)
    func leaseExpiry(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        try await store.insert(Self.due("C-1", in: 5))
        #expect(try await store.claimDueChecks(owner: "a", now: Self.at(5), leaseMilliseconds: 30_000, limit: 10).count == 1)
        #expect(try await store.claimDueChecks(owner: "b", now: Self.at(35), leaseMilliseconds: 30_000, limit: 10).count == 0)
        let taken = try await store.claimDueChecks(owner: "b", now: Self.at(36), leaseMilliseconds: 30_000, limit: 10)
        #expect(taken.map(\.merchantOrderNumber.rawValue) == ["C-1"])
        try await store.close()
    }

    @Test("a lease is renewed only by its holder and only from where its claim set it: another claim or a write ends it", arguments: StoreDriver.all)
    func leaseRenewal(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let order = Self.due("C-1", in: 5)
        try await store.insert(order)
        _ = try await store.claimDueChecks(owner: "a", now: Self.at(5), leaseMilliseconds: 30_000, limit: 10)
        #expect(try await store.renewCheckLease(orderID: order.id, owner: "b", leasedUntil: Self.at(35), until: Self.at(95)) == false)
        #expect(try await store.renewCheckLease(orderID: order.id, owner: "a", leasedUntil: Self.at(30), until: Self.at(95)) == false)
        #expect(try await store.renewCheckLease(orderID: order.id, owner: "a", leasedUntil: Self.at(35), until: Self.at(95)) == true)
        // Renewed to 95 s: not claimable at 60 s, as it would have been after the claim's 35 s.
        #expect(try await store.claimDueChecks(owner: "b", now: Self.at(60), leaseMilliseconds: 30_000, limit: 10).isEmpty)
        #expect(try await store.nextDueTime() == Self.at(95).adding(milliseconds: 1))
        // Claimed by b once it ends: a's lease is gone, even if a tries from the renewed end.
        #expect(try await store.claimDueChecks(owner: "b", now: Self.at(96), leaseMilliseconds: 30_000, limit: 10).count == 1)
        #expect(try await store.renewCheckLease(orderID: order.id, owner: "a", leasedUntil: Self.at(95), until: Self.at(200)) == false)
        try await store.updateOrder(id: order.id) { current in
            var next = current
            next.version += 1
            return OrderChange(order: next, result: ())
        }
        #expect(try await store.renewCheckLease(orderID: order.id, owner: "b", leasedUntil: Self.at(126), until: Self.at(200)) == false)
        try await store.close()
    }

    @Test("the next due time is the earliest check, a leased one counting from its lease's end", arguments: StoreDriver.all)
    func nextDueTimeCountsLeases(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        #expect(try await store.nextDueTime() == nil)
        for (number, seconds) in [("C-1", Int64(5)), ("C-2", 20), ("C-3", 40)] { try await store.insert(Self.due(number, in: seconds)) }
        #expect(try await store.nextDueTime() == Self.at(5))
        // Leased for 60 s: C-1 counts from 65 s, so C-2 (20 s) is next, then C-3 (40 s).
        _ = try await store.claimDueChecks(owner: "a", now: Self.at(5), leaseMilliseconds: 60_000, limit: 1)
        #expect(try await store.nextDueTime() == Self.at(20))
        _ = try await store.claimDueChecks(owner: "a", now: Self.at(20), leaseMilliseconds: 60_000, limit: 1)
        #expect(try await store.nextDueTime() == Self.at(40))
        // Every open check leased: the earliest lease's end.
        _ = try await store.claimDueChecks(owner: "a", now: Self.at(40), leaseMilliseconds: 60_000, limit: 1)
        #expect(try await store.nextDueTime() == Self.at(65).adding(milliseconds: 1))
        try await store.close()
    }

    @Test("writing an order releases its lease and stores its next check", arguments: StoreDriver.all)
    func writeReleasesLease(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let order = Self.due("C-1", in: 5)
        try await store.insert(order)
        _ = try await store.claimDueChecks(owner: "a", now: Self.at(5), leaseMilliseconds: 30_000, limit: 10)
        try await store.updateOrder(id: order.id) { current in
            var next = current
            next.check = CheckState(anchor: Fixture.t0, rung: 1, nextAt: Self.at(10))
            next.version += 1
            return OrderChange(order: next, result: ())
        }
        let again = try await store.claimDueChecks(owner: "b", now: Self.at(10), leaseMilliseconds: 30_000, limit: 10)
        #expect(again.map(\.check) == [CheckState(anchor: Fixture.t0, rung: 1, nextAt: Self.at(10))])
        try await store.close()
    }

    @Test("an order without a check is never claimed", arguments: StoreDriver.all)
    func noCheckNoClaim(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        try await store.insert(Fixture.order("P-1", status: .paid))
        #expect(try await store.claimDueChecks(owner: "a", now: Self.at(86_400), leaseMilliseconds: 30_000, limit: 10).isEmpty)
        #expect(try await store.nextDueTime() == nil)
        try await store.close()
    }

    @Test("a check whose lease has ended is claimable again, first, and the next due time says so", arguments: StoreDriver.all)
    func nextDueTime(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        try await store.insert(Self.due("C-1", in: 5))
        try await store.insert(Self.due("C-2", in: 60))
        #expect(try await store.nextDueTime() == Self.at(5))
        _ = try await store.claimDueChecks(owner: "a", now: Self.at(5), leaseMilliseconds: 30_000, limit: 1)
        #expect(try await store.nextDueTime() == Self.at(35).adding(milliseconds: 1))
        // At 60 s the expired lease makes C-1 the earliest claimable again; C-2 is then next.
        let reclaimed = try await store.claimDueChecks(owner: "b", now: Self.at(60), leaseMilliseconds: 100_000, limit: 1)
        #expect(reclaimed.map(\.merchantOrderNumber.rawValue) == ["C-1"])
        #expect(try await store.nextDueTime() == Self.at(60))
        try await store.close()
    }
}

import PaySyncCore
import PaySyncStore
import Testing

/// The callback inbox and refunds: what every driver must do, with several writers at once.
@Suite("Store conformance: inbox, refunds, concurrent claimers")
struct InboxRefundConformanceTests {
    static func entry(_ body: String, provider: String = "codepay") -> NewInboxEntry {
        NewInboxEntry(
            provider: try! ProviderID(provider), account: .default, receivedAt: Fixture.t0, remoteAddress: "127.0.0.1",
            headers: ["content-type": "application/json", "sign": "abc"], body: Array(body.utf8))
    }

    /// Applies `.paid` to the order when there is one.
    static func paid(_ record: CallbackRecord?, _ inboxID: Int64) -> CallbackDecision {
        guard case .order(let order)? = record else { return CallbackDecision(verdict: .parked) }
        let change = order.change(applying: .paid, source: .callback, evidence: Evidence(summary: "callback paid"), at: Fixture.t0)
        return CallbackDecision(verdict: change.order == nil ? .unchanged : .applied, change: .order(change.with(result: ())))
    }

    @Test("a recorded callback reads back byte for byte, and its raw request can be resolved but not rewritten", arguments: StoreDriver.all)
    func recordAndRead(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let id = try await store.recordUnresolved(Self.entry("{\"a\":1,\"é\":\"\\u0000\"}"))
        #expect(try await store.rejectInbox(.recorded(id: id), reason: "bad_signature", detail: "the signature does not verify", claimedNumber: nil) == id)
        let entry = try #require(try await store.inboxEntry(id: id))
        #expect(entry.body == Array("{\"a\":1,\"é\":\"\\u0000\"}".utf8))
        #expect(entry.headers == ["content-type": "application/json", "sign": "abc"])
        #expect(entry.verdict == .rejected)
        #expect(entry.reason == "bad_signature")
        #expect(entry.remoteAddress == "127.0.0.1")
        #expect(try await store.unresolvedInbox(limit: 10).isEmpty)
        try await store.close()
    }

    @Test("the inbox lists every recorded callback newest first, refused ones included, by each filter, a page at a time", arguments: StoreDriver.all)
    func inboxListing(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        var forged = Self.entry("{\"x\":1}", provider: "payby")
        forged.receivedAt = Fixture.t0.adding(milliseconds: 5_000)
        let first = try await store.rejectInbox(.new(Self.entry("{\"x\":0}")), reason: "bad_signature", detail: "d", claimedNumber: nil)
        let second = try await store.rejectInbox(.new(forged), reason: "bad_signature", detail: "d", claimedNumber: nil)
        let third = try await store.rejectInbox(.new(Self.entry("{")), reason: "malformed_body", detail: "d", claimedNumber: nil)
        let parked = try await store.resolveInbox(
            .new(Self.entry("{\"trade\":\"T-1\"}")), provider: try ProviderID("codepay"), account: .default, dedupKey: "T-1:paid",
            target: .order(number: "Z-404"), Self.paid)
        let parkedID = parked.id
        var query = InboxQuery()
        #expect(try await store.inbox(query).entries.map(\.id) == [parkedID, third, second, first])
        query.reason = "bad_signature"
        #expect(try await store.inbox(query).entries.map(\.id) == [second, first])
        query.provider = try ProviderID("payby")
        #expect(try await store.inbox(query).entries.map(\.id) == [second])
        query = InboxQuery()
        query.verdict = .parked
        query.merchantOrderNumber = "Z-404"
        #expect(try await store.inbox(query).entries.map(\.id) == [parkedID])
        query = InboxQuery()
        query.receivedFrom = Fixture.t0.adding(milliseconds: 1_000)
        #expect(try await store.inbox(query).entries.map(\.id) == [second])
        query = InboxQuery()
        query.receivedBefore = Fixture.t0.adding(milliseconds: 1_000)
        query.limit = 2
        let page = try await store.inbox(query)
        #expect(page.entries.map(\.id) == [parkedID, third])
        #expect(page.next == third)
        query.beforeID = page.next
        let last = try await store.inbox(query)
        #expect(last.entries.map(\.id) == [first])
        #expect(last.next == nil)
        try await store.close()
    }

    @Test("the newest entries naming an account's numbers, oldest first: a refusal by the number it claimed, a duplicate by its record's", arguments: StoreDriver.all)
    func entriesNamingNumbers(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let codepay = try ProviderID("codepay")
        let refused = try await store.rejectInbox(.new(Self.entry("{\"x\":0}")), reason: "bad_signature", detail: "d", claimedNumber: "A-1")
        let parked = try await store.resolveInbox(.new(Self.entry("{\"t\":1}")), provider: codepay, account: .default, dedupKey: "T-1:paid", target: .order(number: "A-1"), Self.paid)
        let duplicate = try await store.resolveInbox(.new(Self.entry("{\"t\":1}")), provider: codepay, account: .default, dedupKey: "T-1:paid", target: .order(number: "A-1"), Self.paid)
        let refund = try await store.rejectInbox(.new(Self.entry("{\"r\":1}")), reason: "malformed_body", detail: "d", claimedNumber: "R-1")
        _ = try await store.rejectInbox(.new(Self.entry("{\"x\":2}")), reason: "bad_signature", detail: "d", claimedNumber: "A-2")
        var other = Self.entry("{\"x\":3}")
        other.account = try MerchantAccountID("shop-b")
        _ = try await store.rejectInbox(.new(other), reason: "bad_signature", detail: "d", claimedNumber: "A-1")
        let found = try await store.inboxEntries(account: .default, naming: ["A-1", "R-1"], limit: 10)
        #expect(found.map(\.id) == [refused, parked.id, duplicate.id, refund])
        #expect(found.map(\.verdict) == [.rejected, .parked, .duplicate, .rejected])
        #expect(found.map(\.merchantOrderNumber) == ["A-1", "A-1", "A-1", "R-1"])
        #expect(found[2].duplicateOf == parked.id)
        #expect(try await store.inboxEntries(account: .default, naming: [], limit: 10).isEmpty)
        #expect(try await store.inboxEntries(account: .default, naming: ["A-1", "R-1"], limit: 2).map(\.id) == [duplicate.id, refund])
        try await store.close()
    }

    @Test("reopening takes a rejected or parked entry back to received once; any other verdict, or a second reopen, is refused", arguments: StoreDriver.all)
    func reopen(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let rejected = try await store.rejectInbox(.new(Self.entry("{\"x\":0}")), reason: "bad_signature", detail: "d", claimedNumber: "A-1")
        let parked = try await store.resolveInbox(
            .new(Self.entry("{\"t\":1}")), provider: try ProviderID("codepay"), account: .default, dedupKey: "T-1:paid", target: .order(number: "Z-1"), Self.paid)
        let unresolved = try await store.recordUnresolved(Self.entry("{\"u\":1}"))
        #expect(try await store.reopenInbox(id: rejected) == true)
        #expect(try await store.reopenInbox(id: rejected) == false)
        let entry = try #require(try await store.inboxEntry(id: rejected))
        #expect(entry.verdict == .received)
        #expect(entry.reason == nil)
        #expect(entry.detail == nil)
        #expect(entry.merchantOrderNumber == "A-1")
        #expect(try await store.reopenInbox(id: parked.id) == true)
        #expect(try await store.reopenInbox(id: unresolved) == false)
        #expect(try await store.reopenInbox(id: 999) == false)
        #expect(try await store.unresolvedInbox(limit: 10).map(\.id) == [rejected, parked.id, unresolved])
        try await store.close()
    }

    @Test("a new callback refused is recorded with its verdict in one write", arguments: StoreDriver.all)
    func newRejected(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let id = try await store.rejectInbox(.new(Self.entry("{\"x\":1}")), reason: "bad_signature", detail: "the signature does not verify", claimedNumber: nil)
        let entry = try #require(try await store.inboxEntry(id: id))
        #expect(entry.body == Array("{\"x\":1}".utf8))
        #expect(entry.verdict == .rejected)
        #expect(entry.reason == "bad_signature")
        #expect(entry.detail == "the signature does not verify")
        #expect(try await store.unresolvedInbox(limit: 10).isEmpty)
        try await store.close()
    }

    @Test("a new callback whose decision throws stays recorded as received, and nothing else is written", arguments: StoreDriver.all)
    func newDecisionFails(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let order = Fixture.order("A-1001", status: .pending)
        try await store.insert(order)
        struct Broken: Error {}
        let judgement = try await store.resolveInbox(
            .new(Self.entry("{\"trade\":\"T-2\"}")), provider: try ProviderID("codepay"), account: .default, dedupKey: "T-2:paid",
            target: .order(number: "A-1001")
        ) { _, _ in throw Broken() }
        guard case .notCommitted(let error) = judgement.outcome else { Issue.record("committed: \(judgement.outcome)"); return }
        #expect(error is Broken)
        let entry = try #require(try await store.inboxEntry(id: judgement.id))
        #expect(entry.verdict == .received)
        #expect(entry.dedupKey == nil)
        #expect(entry.body == Array("{\"trade\":\"T-2\"}".utf8))
        #expect(try await store.unresolvedInbox(limit: 10).map(\.id) == [judgement.id])
        #expect(try await store.order(id: order.id)?.version == 1)
        #expect(try await store.events(orderID: order.id).map(\.kind) == ["created"])
        // Resolved again from its stored bytes (start-up replay), it resolves like a first delivery.
        let again = try await store.resolveInbox(
            .recorded(id: judgement.id), provider: try ProviderID("codepay"), account: .default, dedupKey: "T-2:paid", target: .order(number: "A-1001"),
            Self.paid)
        #expect(again.id == judgement.id)
        #expect(again.verdict == .applied)
        #expect(again.reason == nil)
        #expect(try await store.order(id: order.id)?.status == .paid)
        try await store.close()
    }

    @Test("20 concurrent deliveries of one event: one is resolved, 19 are its duplicates, the order moves once", arguments: StoreDriver.all)
    func concurrentDedup(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let order = Fixture.order("A-1001", status: .pending)
        try await store.insert(order)
        let resolutions = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    let judgement = try await store.resolveInbox(
                        .new(Self.entry("{\"trade\":\"T-1\"}")), provider: try ProviderID("codepay"), account: .default, dedupKey: "T-1:paid",
                        target: .order(number: "A-1001"), Self.paid)
                    return judgement.verdict.rawValue
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(resolutions.sorted() == ["applied"] + Array(repeating: "duplicate", count: 19))
        #expect(try await store.order(id: order.id)?.status == .paid)
        #expect(try await store.events(orderID: order.id).map(\.kind) == ["created", "paid"])
        try await store.close()
    }

    @Test("a recorded redelivery resolved later is the earlier entry's duplicate: it points at it, names the number, takes neither key nor order", arguments: StoreDriver.all)
    func replayedDuplicate(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let order = Fixture.order("A-1001", status: .pending)
        try await store.insert(order)
        let first = try await store.resolveInbox(
            .new(Self.entry("{\"trade\":\"T-3\"}")), provider: try ProviderID("codepay"), account: .default, dedupKey: "T-3:paid",
            target: .order(number: "A-1001"), Self.paid)
        let later = try await store.recordUnresolved(Self.entry("{\"trade\":\"T-3\"}"))
        let again = try await store.resolveInbox(
            .recorded(id: later), provider: try ProviderID("codepay"), account: .default, dedupKey: "T-3:paid", target: .order(number: "A-1001"), Self.paid)
        guard case .duplicate(let earlier) = again.outcome else { Issue.record("not a duplicate: \(again.outcome)"); return }
        #expect(earlier == first.id)
        let entry = try #require(try await store.inboxEntry(id: later))
        #expect(entry.verdict == .duplicate)
        #expect(entry.duplicateOf == first.id)
        #expect(entry.dedupKey == nil)
        #expect(entry.merchantOrderNumber == "A-1001")
        #expect(entry.orderID == nil)
        #expect(try await store.inboxEntry(id: first.id)?.dedupKey == "T-3:paid")
        #expect(try await store.events(orderID: order.id).map(\.kind) == ["created", "paid"])
        try await store.close()
    }

    @Test("a callback for an order not yet known is parked, and found by its order number", arguments: StoreDriver.all)
    func parked(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let id = try await store.recordUnresolved(Self.entry("{}"))
        _ = try await store.resolveInbox(
            .recorded(id: id), provider: try ProviderID("codepay"), account: .default, dedupKey: "T-9:paid", target: .order(number: "A-9"), Self.paid)
        let parked = try await store.parkedInbox(provider: try ProviderID("codepay"), account: .default, merchantOrderNumber: "A-9")
        #expect(parked.map(\.id) == [id])
        #expect(parked.first?.dedupKey == "T-9:paid")
        try await store.close()
    }

    @Test("concurrent refunds never exceed the paid amount, and a refund number is unique per account", arguments: StoreDriver.all)
    func refundsUnderTheLock(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let order = Fixture.order("A-1001", minor: 10_000, status: .paid)
        try await store.insert(order)
        struct OverLimit: Error {}
        // Ten concurrent refunds of 30.00 from 100.00: exactly three fit.
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<10 {
                group.addTask {
                    do {
                        _ = try await store.insertRefund(orderID: order.id) { order, existing in
                            let committed = existing.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
                            guard committed + 3_000 <= order.amount.minorUnits else { throw OverLimit() }
                            return (
                                Refund(
                                    id: "rfd_\(index)", orderID: order.id, account: order.account, provider: order.provider, refundNumber: "R-\(index)",
                                    amount: Money(minorUnits: 3_000, currency: .USD), reason: "returned", status: .requested, gatewayRefundNumber: nil,
                                    nextCheckAt: Fixture.t0, failures: 0, createdAt: Fixture.t0, updatedAt: Fixture.t0), []
                            )
                        }
                        return true
                    } catch { return false }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 3)
        #expect(try await store.refunds(orderID: order.id).map(\.amount.minorUnits) == [3_000, 3_000, 3_000])
        let existing = try await store.refunds(orderID: order.id)[0]
        await #expect(throws: StoreError(.duplicateRefundNumber, "refund number \(existing.refundNumber) already exists for account default")) {
            _ = try await store.insertRefund(orderID: order.id) { order, _ in
                var again = existing
                again = Refund(
                    id: "rfd_other", orderID: again.orderID, account: again.account, provider: again.provider, refundNumber: again.refundNumber,
                    amount: Money(minorUnits: 1, currency: .USD), reason: "again", status: .requested, gatewayRefundNumber: nil, nextCheckAt: nil,
                    failures: 0, createdAt: Fixture.t0, updatedAt: Fixture.t0)
                return (again, [])
            }
        }
        try await store.close()
    }

    @Test("three claimers at once take disjoint checks and together take every due one", arguments: StoreDriver.all)
    func concurrentClaimersAreDisjoint(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        for index in 0..<60 { try await store.insert(CheckClaimConformanceTests.due("C-\(index)", in: Int64(index % 7))) }
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for owner in ["a", "b", "c"] {
                group.addTask {
                    var mine: [String] = []
                    while true {
                        let batch = try await store.claimDueChecks(owner: owner, now: CheckClaimConformanceTests.at(10), leaseMilliseconds: 60_000, limit: 7)
                        if batch.isEmpty { return mine }
                        mine += batch.map(\.merchantOrderNumber.rawValue)
                    }
                }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(claimed.count == 60)
        #expect(Set(claimed).count == 60)
        try await store.close()
    }
}

extension PaySyncStore {
    /// Records `entry` as a crash leaves one: `received`, its resolution interrupted (the decision
    /// throws, so nothing but the raw request commits). Returns its id.
    func recordUnresolved(_ entry: NewInboxEntry) async throws -> Int64 {
        try await resolveInbox(.new(entry), provider: entry.provider, account: entry.account, dedupKey: "interrupted", target: .order(number: "-")) { _, _ in
            throw ResolutionInterrupted()
        }.id
    }
}

struct ResolutionInterrupted: Error {}

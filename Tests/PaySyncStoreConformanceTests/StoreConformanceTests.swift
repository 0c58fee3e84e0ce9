import PaySyncCore
import PaySyncEngine
import PaySyncStore
import Testing

/// What every store driver must do. Runs unchanged against each driver in `StoreDriver.all`.
@Suite("Store conformance")
struct StoreConformanceTests {
    @Test("an inserted order reads back identically by id and by number", arguments: StoreDriver.all)
    func insertAndRead(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        var order = Fixture.order("A-1001")
        order.gatewayOrderNumber = "GW-77"
        try await store.insert(order)
        #expect(try await store.order(id: order.id) == order)
        #expect(try await store.order(account: order.account, number: order.merchantOrderNumber) == order)
        #expect(try await store.order(account: try MerchantAccountID("other"), number: order.merchantOrderNumber) == nil)
        #expect(try await store.events(orderID: order.id) == [Fixture.created(order)])
        #expect(try await store.audit(orderID: order.id) == [Fixture.audit(order, "create")])
        try await store.close()
    }

    @Test("a second order with the same number in one account is refused and writes nothing", arguments: StoreDriver.all)
    func duplicateNumber(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let first = Fixture.order("A-1001")
        try await store.insert(first)
        let second = Fixture.order("A-1001", minor: 999)
        await #expect(throws: StoreError(.duplicateOrderNumber, "order A-1001 already exists for account default")) {
            try await store.insert(second)
        }
        #expect(try await store.order(id: second.id) == nil)
        #expect(try await store.events(orderID: second.id) == [])
        #expect(try await store.audit(orderID: second.id) == [])
        try await store.close()
    }

    @Test("the same number in another account is a different order", arguments: StoreDriver.all)
    func numberUniquePerAccount(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let a = Fixture.order("A-1001", account: "shop-a")
        let b = Fixture.order("A-1001", account: "shop-b")
        try await store.insert(a)
        try await store.insert(b)
        #expect(try await store.order(account: a.account, number: a.merchantOrderNumber)?.id == a.id)
        #expect(try await store.order(account: b.account, number: b.merchantOrderNumber)?.id == b.id)
        try await store.close()
    }

    @Test("an update commits the order, its event, audit rows and review items together; version rises by one",
          arguments: StoreDriver.all)
    func updateCommitsAtomically(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let order = Fixture.order("A-1001", status: .paid)
        try await store.insert(order)
        let later = Fixture.t0.adding(milliseconds: 5_000)
        let decision = try await store.updateOrder(id: order.id) { current in
            current.change(
                applying: .failed, source: .callback, evidence: Evidence(summary: "late failure", providerStatus: "FAIL"), at: later,
                audit: [AuditRecord(orderID: current.id, kind: .inbound, summary: "callback", at: later)])
        }
        #expect(decision == .review(.failedAfterPaid))
        #expect(try await store.order(id: order.id) == order)
        let events = try await store.events(orderID: order.id)
        #expect(events.count == 2)
        #expect(events[1].kind == "failed")
        #expect(events[1].outcome == .review)
        #expect(events[1].from == .paid)
        #expect(events[1].to == .paid)
        #expect(events[1].evidence.providerStatus == "FAIL")
        #expect(try await store.audit(orderID: order.id).map(\.summary) == ["create", "callback"])
        let reviews = try await store.reviewItems(status: .open, limit: 10)
        #expect(reviews.count == 1)
        #expect(reviews.first?.orderID == order.id)
        #expect(reviews.first?.reason == .failedAfterPaid)
        #expect(reviews.first?.detail == "failed from callback while paid: late failure")
        #expect(reviews.first?.openedAt == later)

        let paid = try await store.updateOrder(id: order.id) { current in
            current.change(applying: .paid, source: .query, evidence: Evidence(summary: "query says paid"), at: later)
        }
        #expect(paid == .unchanged)
        #expect(try await store.order(id: order.id)?.version == 1)
        try await store.close()
    }

    @Test("the timeline lists each write's audit rows, then its events, in the order they were written", arguments: StoreDriver.all)
    func timelineInWriteOrder(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let order = Fixture.order("A-1001", status: .pending)
        try await store.insert(order)
        let later = Fixture.t0.adding(milliseconds: 5_000)
        _ = try await store.updateOrder(id: order.id) { current in
            current.change(
                applying: .paid, source: .callback, evidence: Evidence(summary: "callback says paid"), at: later,
                audit: [AuditRecord(orderID: current.id, kind: .inbound, summary: "callback", at: later),
                        AuditRecord(orderID: current.id, kind: .outbound, summary: "query", at: later)])
        }
        _ = try await store.updateOrder(id: order.id) { current in
            current.change(
                applying: .failed, source: .query, evidence: Evidence(summary: "query says failed"), at: later,
                audit: [AuditRecord(orderID: current.id, kind: .outbound, summary: "late query", at: later)])
        }
        let entries = try await store.timeline(orderID: order.id).map { entry in
            switch entry {
            case .audit(let record): "audit \(record.summary)"
            case .event(let event): "event \(event.kind) \(event.outcome.rawValue)"
            case .callback(let entry): "callback \(entry.id)"
            }
        }
        #expect(entries == ["audit create", "event created applied", "audit callback", "audit query", "event paid applied", "audit late query", "event failed review"])
        try await store.close()
    }

    @Test("a transition stores the new status and bumps the version by exactly one", arguments: StoreDriver.all)
    func transitionBumpsVersion(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let order = Fixture.order("A-1001", status: .pending)
        try await store.insert(order)
        let later = Fixture.t0.adding(milliseconds: 30_000)
        let decision = try await store.updateOrder(id: order.id) { current in
            current.change(applying: .paid, source: .callback, evidence: Evidence(summary: "paid"), at: later)
        }
        #expect(decision == .transition(to: .paid))
        let stored = try #require(try await store.order(id: order.id))
        #expect(stored.status == .paid)
        #expect(stored.version == 2)
        #expect(stored.updatedAt == later)
        #expect(stored.createdAt == Fixture.t0)
        try await store.close()
    }

    @Test("an update whose change throws rolls back entirely", arguments: StoreDriver.all)
    func failedUpdateRollsBack(_ driver: StoreDriver) async throws {
        struct Boom: Error, Equatable {}
        let store = try await driver.open()
        let order = Fixture.order("A-1001", status: .pending)
        try await store.insert(order)
        await #expect(throws: Boom()) {
            try await store.updateOrder(id: order.id) { (_: Order) -> OrderChange<Void> in throw Boom() }
        }
        #expect(try await store.order(id: order.id) == order)
        #expect(try await store.events(orderID: order.id).count == 1)
        try await store.close()
    }

    @Test("updating an unknown order throws orderNotFound", arguments: StoreDriver.all)
    func updateUnknown(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let ghost = Fixture.order("ghost")
        await #expect(throws: StoreError.self) {
            try await store.updateOrder(id: ghost.id) { OrderChange(order: nil, result: $0.status) }
        }
        try await store.close()
    }

    @Test("two concurrent writers on one order: one transition wins, the other is recorded as review, no event lost",
          arguments: StoreDriver.all)
    func concurrentWritersOneWins(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        for round in 0..<20 {
            let order = Fixture.order("R-\(round)", status: .pending)
            try await store.insert(order)
            let now = Fixture.t0.adding(milliseconds: 1_000)
            async let paid = store.updateOrder(id: order.id) {
                $0.change(applying: .paid, source: .callback, evidence: Evidence(summary: "paid"), at: now)
            }
            async let canceled = store.updateOrder(id: order.id) {
                $0.change(applying: .canceled, source: .gateway, evidence: Evidence(summary: "canceled"), at: now)
            }
            let decisions = try await [paid, canceled]
            let transitions = decisions.filter { if case .transition = $0 { true } else { false } }
            let reviews = decisions.filter { if case .review = $0 { true } else { false } }
            #expect(transitions.count == 1)
            #expect(reviews.count == 1)
            let stored = try #require(try await store.order(id: order.id))
            #expect(stored.version == 2)
            let events = try await store.events(orderID: order.id)
            #expect(events.map(\.outcome).sorted { $0.rawValue < $1.rawValue } == [.applied, .applied, .review])
            #expect(events.last?.to == stored.status)
        }
        #expect(try await store.reviewItems(status: .open, limit: 100).count == 20)
        try await store.close()
    }

    @Test("100 concurrent identical facts move an order once", arguments: StoreDriver.all)
    func concurrentDuplicatesApplyOnce(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let order = Fixture.order("A-1001", status: .pending)
        try await store.insert(order)
        let decisions = try await withThrowingTaskGroup(of: OrderDecision.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    try await store.updateOrder(id: order.id) {
                        $0.change(applying: .paid, source: .callback, evidence: Evidence(summary: "paid"), at: Fixture.t0)
                    }
                }
            }
            return try await group.reduce(into: [OrderDecision]()) { $0.append($1) }
        }
        #expect(decisions.filter { $0 == .transition(to: .paid) }.count == 1)
        #expect(decisions.filter { $0 == .unchanged }.count == 99)
        #expect(try await store.order(id: order.id)?.version == 2)
        #expect(try await store.events(orderID: order.id).count == 101)
        try await store.close()
    }

    @Test("orders list newest first, filter by status, provider, account and time, and page with a cursor",
          arguments: StoreDriver.all)
    func listing(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        var orders: [Order] = []
        for index in 0..<7 {
            let order = Fixture.order(
                "L-\(index)", account: index == 6 ? "other" : "default", provider: index % 2 == 0 ? "codepay" : "payby",
                status: index < 3 ? .paid : .created, at: Fixture.t0.adding(milliseconds: Int64(index) * 1_000))
            try await store.insert(order)
            orders.append(order)
        }
        let newestFirst = orders.reversed().map(\.id)

        var seen: [OrderID] = []
        var cursor: OrderCursor?
        repeat {
            let page = try await store.listOrders(OrderQuery(after: cursor, limit: 3))
            seen += page.orders.map(\.id)
            cursor = page.next
        } while cursor != nil
        #expect(seen == newestFirst)

        #expect(try await store.listOrders(OrderQuery(status: .paid)).orders.map(\.merchantOrderNumber.rawValue) == ["L-2", "L-1", "L-0"])
        #expect(try await store.listOrders(OrderQuery(status: .created)).orders.map(\.merchantOrderNumber.rawValue) == ["L-6", "L-5", "L-4", "L-3"])
        #expect(
            try await store.listOrders(OrderQuery(account: try MerchantAccountID("default"), status: .created, limit: 2)).orders
                .map(\.merchantOrderNumber.rawValue) == ["L-5", "L-4"])
        #expect(
            try await store.listOrders(OrderQuery(provider: try ProviderID("payby"))).orders.map(\.merchantOrderNumber.rawValue)
                == ["L-5", "L-3", "L-1"])
        #expect(
            try await store.listOrders(OrderQuery(account: try MerchantAccountID("other"))).orders.map(\.merchantOrderNumber.rawValue)
                == ["L-6"])
        let window = OrderQuery(createdFrom: Fixture.t0.adding(milliseconds: 2_000), createdBefore: Fixture.t0.adding(milliseconds: 4_000))
        #expect(try await store.listOrders(window).orders.map(\.merchantOrderNumber.rawValue) == ["L-3", "L-2"])
        let last = try await store.listOrders(OrderQuery(limit: 7))
        #expect(last.orders.count == 7)
        #expect(last.next == nil)
        try await store.close()
    }

    @Test("orders are found by the merchant's or the gateway's number in any account, and by an amount range", arguments: StoreDriver.all)
    func search(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        var first = Fixture.order("S-1", minor: 1_000)
        first.gatewayOrderNumber = "GW-7"
        try await store.insert(first)
        try await store.insert(Fixture.order("GW-7", account: "other", minor: 2_000, at: Fixture.t0.adding(milliseconds: 1_000)))
        try await store.insert(Fixture.order("S-3", minor: 3_000, at: Fixture.t0.adding(milliseconds: 2_000)))
        #expect(try await store.listOrders(OrderQuery(number: "GW-7")).orders.map(\.merchantOrderNumber.rawValue) == ["GW-7", "S-1"])
        #expect(try await store.listOrders(OrderQuery(number: "S-3")).orders.map(\.merchantOrderNumber.rawValue) == ["S-3"])
        #expect(try await store.listOrders(OrderQuery(number: "S-9")).orders.isEmpty)
        #expect(
            try await store.listOrders(OrderQuery(minimumMinor: 2_000, maximumMinor: 3_000)).orders.map(\.merchantOrderNumber.rawValue) == ["S-3", "GW-7"])
        #expect(try await store.listOrders(OrderQuery(maximumMinor: 1_999)).orders.map(\.merchantOrderNumber.rawValue) == ["S-1"])
        try await store.close()
    }

    @Test("audit rows that belong to no transition append and read back in order", arguments: StoreDriver.all)
    func appendAudit(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let order = Fixture.order("A-1001")
        try await store.insert(order)
        let outbound = AuditRecord(
            orderID: order.id, kind: .outbound, summary: "POST /api/entry order.query", detail: "trans_status=2", latencyMilliseconds: 42,
            error: nil, at: Fixture.t0.adding(milliseconds: 5))
        let failed = AuditRecord(
            orderID: order.id, kind: .outbound, summary: "POST /api/entry order.query", latencyMilliseconds: 5_000, error: "timeout",
            at: Fixture.t0.adding(milliseconds: 6))
        let unrelated = AuditRecord(orderID: nil, kind: .operator, summary: "replayed inbox 7", at: Fixture.t0)
        try await store.appendAudit([outbound, failed, unrelated])
        #expect(try await store.audit(orderID: order.id) == [Fixture.audit(order, "create"), outbound, failed])
        try await store.close()
    }
}

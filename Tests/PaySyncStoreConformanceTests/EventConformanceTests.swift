import Foundation
import PaySyncCore
import PaySyncStore
import Testing

/// The transactional outbox: events commit with the change they report, are numbered per account
/// in commit order, and are delivered as leased rows. Runs unchanged against each driver.
@Suite("Store conformance: outbound events")
struct EventConformanceTests {
    static let account = try! MerchantAccountID("default")

    static func at(_ seconds: Int64) -> Timestamp { Fixture.t0.adding(milliseconds: seconds * 1_000) }

    static func endpoint(_ id: String, types: EventSelection = .all, state: WebhookEndpoint.State = .enabled, account: String = "default") -> WebhookEndpoint {
        WebhookEndpoint(
            id: id, account: try! MerchantAccountID(account), url: "http://127.0.0.1:9/\(id)", types: types, state: state, description: id,
            secrets: [EndpointSecret(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")], failingSince: nil, createdAt: Fixture.t0, updatedAt: Fixture.t0)
    }

    /// Moves `order` to `status` at `seconds`.
    static func move(_ store: any PaySyncStore, _ order: Order, to status: OrderStatus, at seconds: Int64) async throws {
        try await store.updateOrder(id: order.id) { current in
            var next = current
            next.status = status
            next.updatedAt = Self.at(seconds)
            return OrderChange(order: next, result: ())
        }
    }

    /// The `data` object of an event's payload.
    static func data(_ event: OutboxEvent) throws -> [String: Any] {
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(event.payload.utf8)) as? [String: Any])
        return try #require(payload["data"] as? [String: Any])
    }

    static func all(_ store: any PaySyncStore, after: Int64 = 0) async throws -> [OutboxEvent] {
        try await store.events(EventQuery(account: account, after: after, limit: 1_000)).events
    }

    @Test("a status change writes its event with the order as committed; a rescheduling writes none", arguments: StoreDriver.all)
    func eventWithChange(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let order = Fixture.order("E-1", status: .pending)
        try await store.insert(order)
        try await Self.move(store, order, to: .pending, at: 5)
        try await Self.move(store, order, to: .paid, at: 9)
        let events = try await Self.all(store)
        #expect(events.map(\.type) == [.orderPending, .orderPaid])
        #expect(events.map(\.position) == [1, 2])
        #expect(events.map(\.orderID) == [order.id, order.id])
        #expect(events[1].occurredAt == Self.at(9))
        let paid = try Self.data(events[1])
        #expect(paid["status"] as? String == "paid")
        #expect(paid["version"] as? Int == 3)
        #expect(paid["amountMinor"] as? Int == 10_050)
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(events[1].payload.utf8)) as? [String: Any])
        #expect(envelope["id"] as? String == events[1].id)
        #expect(envelope["type"] as? String == "order.paid")
        #expect(envelope["account"] as? String == "default")
        #expect(envelope["occurredAt"] as? String == Self.at(9).iso8601)
        try await store.close()
    }

    @Test("events written counts every committed event of every account and none of a change that did not commit", arguments: StoreDriver.all)
    func eventsWritten(_ driver: StoreDriver) async throws {
        struct Refused: Error {}
        let store = try await driver.open()
        #expect(try await store.eventsWritten() == 0)
        let order = Fixture.order("E-1", status: .pending)
        try await store.insert(order)
        try await store.insert(Fixture.order("E-1", account: "shop-b", status: .pending))
        try await store.insert(Fixture.order("E-2", account: "shop-b", status: .pending))
        await #expect(throws: Refused.self) {
            try await store.updateOrder(id: order.id) { _ -> OrderChange<Void> in throw Refused() }
        }
        try await Self.move(store, order, to: .paid, at: 9)
        #expect(try await store.eventsWritten() == 4)
        try await store.close()
    }

    @Test("a change that does not commit leaves no event", arguments: StoreDriver.all)
    func noEventWithoutCommit(_ driver: StoreDriver) async throws {
        struct Refused: Error {}
        let store = try await driver.open()
        let order = Fixture.order("E-1", status: .pending)
        try await store.insert(order)
        await #expect(throws: Refused.self) {
            try await store.updateOrder(id: order.id) { _ -> OrderChange<Void> in throw Refused() }
        }
        // The same number again: the insert fails in the database, its event with it.
        await #expect(throws: StoreError.self) { try await store.insert(Fixture.order("E-1", status: .pending)) }
        #expect(try await Self.all(store).map(\.type) == [.orderPending])
        try await store.close()
    }

    @Test("an event gets a delivery to each enabled endpoint of its account that selects its type", arguments: StoreDriver.all)
    func fanOut(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        try await store.insertEndpoint(Self.endpoint("ep_all"))
        try await store.insertEndpoint(Self.endpoint("ep_paid", types: .only([.orderPaid])))
        try await store.insertEndpoint(Self.endpoint("ep_refunds", types: .only([.refundSucceeded, .refundFailed])))
        try await store.insertEndpoint(Self.endpoint("ep_off", state: .disabled(reason: "operator")))
        try await store.insertEndpoint(Self.endpoint("ep_other", account: "shop-2"))
        let order = Fixture.order("E-1", status: .pending)
        try await store.insert(order)
        try await Self.move(store, order, to: .paid, at: 9)
        let events = try await Self.all(store)
        #expect(try await store.deliveries(eventID: events[0].id).map(\.endpointID) == ["ep_all"])
        let paid = try await store.deliveries(eventID: events[1].id)
        #expect(paid.map(\.endpointID).sorted() == ["ep_all", "ep_paid"])
        #expect(paid.map(\.status) == [.pending, .pending])
        #expect(paid.map(\.nextAttemptAt) == [Self.at(9), Self.at(9)])
        try await store.close()
    }

    @Test("claims take at most the room each endpoint has, lease what they take, and give it back when the lease ends", arguments: StoreDriver.all)
    func claims(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        try await store.insertEndpoint(Self.endpoint("ep_a"))
        try await store.insertEndpoint(Self.endpoint("ep_b"))
        for number in 1...3 { try await store.insert(Fixture.order("E-\(number)", status: .pending)) }
        let first = try await store.claimDueDeliveries(now: Self.at(0), leaseMilliseconds: 60_000, perEndpoint: 2, busy: ["ep_b": 1], limit: 10)
        #expect(first.map(\.endpoint.id) == ["ep_a", "ep_a", "ep_b"])
        #expect(first.map(\.event.position) == [1, 2, 1])
        let second = try await store.claimDueDeliveries(now: Self.at(59), leaseMilliseconds: 60_000, perEndpoint: 2, busy: [:], limit: 10)
        #expect(second.map(\.endpoint.id) == ["ep_a", "ep_b", "ep_b"])
        #expect(second.map(\.event.position) == [3, 2, 3])
        #expect(try await store.claimDueDeliveries(now: Self.at(59), leaseMilliseconds: 60_000, perEndpoint: 9, busy: [:], limit: 10).isEmpty)
        // ep_a's first two leases end at 60 s: a crashed deliverer's work returns.
        let back = try await store.claimDueDeliveries(now: Self.at(60), leaseMilliseconds: 60_000, perEndpoint: 9, busy: [:], limit: 10)
        #expect(back.map(\.endpoint.id) == ["ep_a", "ep_a", "ep_b"])
        #expect(back.map(\.event.position) == [1, 2, 1])
        try await store.close()
    }

    @Test("finishing an attempt records it and moves the delivery and its endpoint together", arguments: StoreDriver.all)
    func finish(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        try await store.insertEndpoint(Self.endpoint("ep_a"))
        try await store.insert(Fixture.order("E-1", status: .pending))
        let job = try #require(try await store.claimDueDeliveries(now: Self.at(0), leaseMilliseconds: 60_000, perEndpoint: 9, busy: [:], limit: 9).first)
        let failed = DeliveryAttempt(
            deliveryID: job.delivery.id, eventID: job.event.id, endpointID: "ep_a", number: 1, at: Self.at(1), statusCode: 503, error: "HTTP 503",
            latencyMilliseconds: 12, response: "busy")
        try await store.finishDelivery(DeliveryFinish(attempt: failed, next: .retry(at: Self.at(6)), endpoint: .failing(since: Self.at(1))))
        #expect(try await store.attempts(eventID: job.event.id) == [failed])
        #expect(try await store.endpoint(id: "ep_a")?.failingSince == Self.at(1))
        #expect(try await store.nextDeliveryTime() == Self.at(6))
        #expect(try await store.claimDueDeliveries(now: Self.at(5), leaseMilliseconds: 60_000, perEndpoint: 9, busy: [:], limit: 9).isEmpty)
        let retry = try #require(try await store.claimDueDeliveries(now: Self.at(6), leaseMilliseconds: 60_000, perEndpoint: 9, busy: [:], limit: 9).first)
        #expect(retry.delivery.attempts == 1)
        let delivered = DeliveryAttempt(
            deliveryID: job.delivery.id, eventID: job.event.id, endpointID: "ep_a", number: 2, at: Self.at(7), statusCode: 204, error: nil,
            latencyMilliseconds: 3, response: "")
        try await store.finishDelivery(DeliveryFinish(attempt: delivered, next: .delivered, endpoint: .succeeded))
        #expect(try await store.deliveries(eventID: job.event.id).map(\.status) == [.delivered])
        #expect(try await store.endpoint(id: "ep_a")?.failingSince == nil)
        #expect(try await store.nextDeliveryTime() == nil)
        #expect(try await store.events(EventQuery(account: Self.account, delivered: .yes)).events.map(\.id) == [job.event.id])
        try await store.close()
    }

    @Test("redelivery and recovery make undelivered events pending again, with a fresh round", arguments: StoreDriver.all)
    func redeliverAndRecover(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        try await store.insertEndpoint(Self.endpoint("ep_a"))
        for number in 1...3 { try await store.insert(Fixture.order("E-\(number)", status: .pending, at: Self.at(Int64(number)))) }
        let jobs = try await store.claimDueDeliveries(now: Self.at(10), leaseMilliseconds: 60_000, perEndpoint: 9, busy: [:], limit: 9)
        #expect(jobs.count == 3)
        func attempt(_ job: DeliveryJob) -> DeliveryAttempt {
            DeliveryAttempt(
                deliveryID: job.delivery.id, eventID: job.event.id, endpointID: "ep_a", number: 1, at: Self.at(11), statusCode: 500, error: "HTTP 500",
                latencyMilliseconds: 1, response: "")
        }
        try await store.finishDelivery(DeliveryFinish(attempt: attempt(jobs[0]), next: .delivered, endpoint: .succeeded))
        try await store.finishDelivery(DeliveryFinish(attempt: attempt(jobs[1]), next: .failed, endpoint: .failing(since: Self.at(11))))
        try await store.finishDelivery(DeliveryFinish(attempt: attempt(jobs[2]), next: .failed, endpoint: .failing(since: Self.at(11))))
        #expect(try await store.events(EventQuery(account: Self.account, delivered: .no)).events.map(\.position) == [2, 3])
        // Since E-3's event (3 s): only it; the delivered E-1 is never sent again by recovery.
        #expect(try await store.recover(endpointID: "ep_a", since: Self.at(3), at: Self.at(20)) == 1)
        #expect(try await store.recover(endpointID: "ep_a", since: Self.at(0), at: Self.at(20)) == 2)
        let again = try await store.claimDueDeliveries(now: Self.at(20), leaseMilliseconds: 60_000, perEndpoint: 9, busy: [:], limit: 9)
        #expect(again.map(\.event.position) == [2, 3])
        #expect(again.map(\.delivery.attemptsThisRound) == [0, 0])
        #expect(again.map(\.delivery.attempts) == [1, 1])
        // Redelivery sends even a delivered event again.
        #expect(try await store.redeliver(eventID: jobs[0].event.id, at: Self.at(30)) == 1)
        #expect(try await store.deliveries(eventID: jobs[0].event.id).map(\.status) == [.pending])
        await #expect(throws: StoreError.self) { try await store.redeliver(eventID: "evt_none", at: Self.at(30)) }
        await #expect(throws: StoreError.self) { try await store.recover(endpointID: "ep_none", since: Self.at(0), at: Self.at(30)) }
        try await store.close()
    }

    @Test("the feed read from a cursor returns every event once, in commit order, filtered as asked", arguments: StoreDriver.all)
    func feed(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        var orders: [Order] = []
        for number in 1...5 {
            let order = Fixture.order("E-\(number)", status: .pending)
            orders.append(order)
            try await store.insert(order)
            try await Self.move(store, order, to: .paid, at: Int64(number))
        }
        try await store.insert(Fixture.order("E-9", account: "shop-2", status: .pending))
        var seen: [OutboxEvent] = []
        var cursor: Int64 = 0
        while true {
            let page = try await store.events(EventQuery(account: Self.account, after: cursor, limit: 3))
            seen += page.events
            cursor = page.last
            if !page.hasMore { break }
        }
        #expect(seen.map(\.position) == Array(1...10))
        #expect(Set(seen.map(\.id)).count == 10)
        #expect(try await store.events(EventQuery(account: Self.account, after: cursor)).events.isEmpty)
        #expect(try await store.events(EventQuery(account: Self.account, after: cursor)).last == 10)
        let paid = try await store.events(EventQuery(account: Self.account, types: [.orderPaid], orderID: orders[2].id))
        #expect(paid.events.map(\.position) == [6])
        let window = try await store.events(EventQuery(account: Self.account, types: [.orderPaid], occurredFrom: Self.at(2), occurredBefore: Self.at(4)))
        #expect(window.events.map(\.orderID) == [orders[1].id, orders[2].id])
        #expect(try await store.events(EventQuery(account: try MerchantAccountID("shop-2"))).events.map(\.position) == [1])
        try await store.close()
    }

    @Test("a payment on a closed order reports it and the review; resolving the review is reported too", arguments: StoreDriver.all)
    func reviews(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let order = Fixture.order("E-1", status: .canceled)
        try await store.insert(order)
        try await store.updateOrder(id: order.id) { current in
            var next = current
            next.updatedAt = Self.at(5)
            return OrderChange(order: next, reviews: [NewReviewItem(reason: .paidAfterCanceled, detail: "paid 100.50 USD", at: Self.at(5))], result: ())
        }
        let item = try #require(try await store.reviewItems(status: .open, limit: 9).first)
        _ = try await store.resolveReview(id: item.id, by: "ana", note: "refunded by hand", at: Self.at(60))
        let events = try await Self.all(store)
        #expect(events.map(\.type) == [.orderCanceled, .orderPaidAfterClose, .reviewOpened, .reviewResolved])
        #expect(try Self.data(events[1])["version"] as? Int == 2)
        #expect(try Self.data(events[2])["reason"] as? String == "paid_after_canceled")
        #expect(try Self.data(events[3])["resolvedBy"] as? String == "ana")
        #expect(events[3].occurredAt == Self.at(60))
        try await store.close()
    }

    @Test("refunds and payouts report reaching succeeded or failed", arguments: StoreDriver.all)
    func moneyOut(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let order = Fixture.order("E-1", status: .paid)
        try await store.insert(order)
        let refund = try await store.insertRefund(orderID: order.id) { order, _ in
            (
                Refund(
                    id: "rf_1", orderID: order.id, account: order.account, provider: order.provider, refundNumber: "R-1", amount: order.amount, reason: "size",
                    status: .processing, gatewayRefundNumber: nil, nextCheckAt: nil, failures: 0, createdAt: Self.at(1), updatedAt: Self.at(1)), []
            )
        }
        _ = try await store.updateRefund(id: refund.id) { refund in
            var next = refund
            next.status = .succeeded
            next.updatedAt = Self.at(2)
            return (next, [])
        }
        let events = try await Self.all(store)
        #expect(events.map(\.type) == [.orderPaid, .refundSucceeded])
        #expect(events[1].orderID == order.id)
        #expect(try Self.data(events[1])["refundNumber"] as? String == "R-1")
        try await store.close()
    }
}

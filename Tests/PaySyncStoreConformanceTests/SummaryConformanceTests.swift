import PaySyncCore
import PaySyncStore
import Testing

@Suite("Store conformance: operations summary and check backlog")
struct SummaryConformanceTests {
    static func at(_ seconds: Int64) -> Timestamp { Fixture.t0.adding(milliseconds: seconds * 1_000) }

    /// An order created `created` seconds after t0 in `status`, with a check due at `due` after
    /// `failures` failed checks in a row (no check when `due` is nil).
    static func order(_ number: String, _ status: OrderStatus, created: Int64, due: Int64? = nil, failures: Int = 0) -> Order {
        var order = Fixture.order(number, status: status, at: at(created))
        order.check = due.map { CheckState(anchor: at(created), rung: 1, nextAt: at($0), failures: failures) }
        return order
    }

    /// Orders, checks, reviews and refused callbacks of a day; the summary as of t0 + 1000 s,
    /// periods from t0 + 100 s and t0 + 500 s, overdue beyond 60 s, stuck from 3 failures.
    static func seeded(_ store: any PaySyncStore) async throws {
        try await store.insert(Self.order("O-1", .paid, created: 50))
        try await store.insert(Self.order("O-2", .paid, created: 200))
        try await store.insert(Self.order("O-3", .pending, created: 300, due: 990, failures: 3))
        try await store.insert(Self.order("O-4", .closing, created: 600, due: 900, failures: 5))
        try await store.insert(Self.order("O-5", .pending, created: 700, due: 1_500))
        // Canceled and still watched: a scheduled check, never stuck however it fails.
        try await store.insert(Self.order("O-6", .canceled, created: 800, due: 920, failures: 4))
        let reviewed = Self.order("O-7", .paid, created: 900)
        try await store.insert(reviewed)
        try await store.updateOrder(id: reviewed.id) { current in
            OrderChange(
                order: current,
                reviews: [
                    NewReviewItem(reason: .amountMismatch, detail: "a", at: Self.at(900)), NewReviewItem(reason: .currencyMismatch, detail: "b", at: Self.at(901)),
                    NewReviewItem(reason: .failedAfterPaid, detail: "c", at: Self.at(902)),
                ], result: ())
        }
        for seconds in [Int64(50), 400, 800] {
            var entry = InboxRefundConformanceTests.entry("{\"n\":\(seconds)}")
            entry.receivedAt = Self.at(seconds)
            try await store.rejectInbox(.new(entry), reason: "bad_signature", detail: "d", claimedNumber: nil)
        }
    }

    @Test("the summary counts each period's orders by status and refused callbacks, checks due and overdue, stuck orders and open reviews",
          arguments: StoreDriver.all)
    func summary(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        try await Self.seeded(store)
        let summary = try await store.summary(SummaryQuery(now: Self.at(1_000), periods: [Self.at(100), Self.at(500)], overdueMilliseconds: 60_000, stuckFailures: 3))
        #expect(
            summary.periods == [
                .init(since: Self.at(100), ordersByStatus: [.paid: 2, .pending: 2, .closing: 1, .canceled: 1], refusedCallbacks: 2),
                .init(since: Self.at(500), ordersByStatus: [.paid: 1, .pending: 1, .closing: 1, .canceled: 1], refusedCallbacks: 1),
            ])
        #expect(summary.checksScheduled == 4)
        #expect(summary.checksDue == 3)
        #expect(summary.checksOverdue == 2)
        #expect(summary.stuckOrders == 2)
        #expect(summary.openReviews == [.amountMismatch: 1, .currencyMismatch: 1, .failedAfterPaid: 1])
        #expect(summary.failedDeliveries == 0)
        try await store.close()
    }

    @Test("the backlog lists stuck open orders most failures first, and due checks earliest first", arguments: StoreDriver.all)
    func backlog(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        try await Self.seeded(store)
        let backlog = try await store.checkBacklog(now: Self.at(1_000), stuckFailures: 3, limit: 10)
        #expect(backlog.stuck.map(\.merchantOrderNumber.rawValue) == ["O-4", "O-3"])
        #expect(backlog.due.map(\.merchantOrderNumber.rawValue) == ["O-4", "O-6", "O-3"])
        let one = try await store.checkBacklog(now: Self.at(1_000), stuckFailures: 3, limit: 1)
        #expect(one.stuck.map(\.merchantOrderNumber.rawValue) == ["O-4"])
        #expect(one.due.map(\.merchantOrderNumber.rawValue) == ["O-4"])
        try await store.close()
    }
}

@Suite("Store conformance: one open review item per order and reason")
struct ReviewDedupConformanceTests {
    static func review(_ store: any PaySyncStore, _ order: Order, _ reason: ReviewReason, _ detail: String) async throws {
        try await store.updateOrder(id: order.id) { current in
            OrderChange(order: current, reviews: [NewReviewItem(reason: reason, detail: detail, at: Fixture.t0)], result: ())
        }
    }

    @Test("a repeat of an open item's reason on the same order opens nothing; another reason, another order, or after resolving does",
          arguments: StoreDriver.all)
    func dedup(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let first = Fixture.order("R-1", status: .closing)
        let second = Fixture.order("R-2", status: .closing)
        try await store.insert(first)
        try await store.insert(second)
        try await Self.review(store, first, .amountMismatch, "query states 4.00 USD")
        try await Self.review(store, first, .amountMismatch, "query states 4.00 USD again")
        try await Self.review(store, first, .currencyMismatch, "query states EUR")
        try await Self.review(store, second, .amountMismatch, "query states 5.00 USD")
        #expect(try await store.reviewItems(status: .open, limit: 10).map(\.detail) == ["query states 4.00 USD", "query states EUR", "query states 5.00 USD"])
        let item = try #require(try await store.reviewItems(status: .open, limit: 1).first)
        _ = try await store.resolveReview(id: item.id, by: "ana", note: "checked", at: Fixture.t0)
        try await Self.review(store, first, .amountMismatch, "found again after it was resolved")
        #expect(try await store.reviewItems(status: .open, limit: 10).map(\.detail) == ["query states EUR", "query states 5.00 USD", "found again after it was resolved"])
        // Only opened items produce review.opened events.
        let opened = try await store.events(EventQuery(account: .default, types: [.reviewOpened])).events
        #expect(opened.count == 4)
        try await store.close()
    }
}

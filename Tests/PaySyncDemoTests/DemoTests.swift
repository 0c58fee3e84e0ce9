import Foundation
import PaySyncCore
import PaySyncStore
import Testing

@testable import PaySyncDemo

@Suite("paysync demo")
struct DemoTests {
    static func options(orders: Int, seed: UInt64 = 7) -> DemoOptions {
        var options = DemoOptions()
        options.orders = orders
        options.seed = seed
        options.arrivalSeconds = 60
        return options
    }

    static func run(
        _ options: DemoOptions, database: String? = nil, beforeReport: @escaping @Sendable (any PaySyncStore) async throws -> Void = { _ in }
    ) async throws -> DemoReport {
        let path = database ?? FileManager.default.temporaryDirectory.appendingPathComponent("paysync-demo-\(UUID().uuidString).sqlite").path
        return try await Demo(options: options, databasePath: path).run(progress: { _ in }, beforeReport: beforeReport).report
    }

    @Test("300 customers under the default faults: every order converges and every invariant holds")
    func defaultFaultsConverge() async throws {
        let report = try await Self.run(Self.options(orders: 300))
        #expect(report.invariants.map(\.violations) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(report.invariants.count == 11)
        #expect(report.orders.values.flatMap(\.values).reduce(0, +) == 300)
        #expect(report.customers.values.reduce(0, +) == 300)
        #expect(report.requests.created == 300)
        // The faults really happened, and were survived.
        #expect(report.callbacks.dropped > 0)
        #expect(report.callbacks.duplicates > 0)
        #expect(report.callbacks.forged > 0)
        #expect(report.callbacks.forgedAcknowledged == 0)
        #expect(report.recoveredByQuery > 0)
        #expect(report.closedByCancel > 0)
        #expect(report.closedLocally > 0)
        #expect(report.queries.values.map(\.serverErrors).reduce(0, +) > 0)
        #expect(report.reviewItems["paid_after_canceled"] ?? 0 > 0)
        #expect(report.refunds.values.reduce(0, +) == report.requests.refundsRequested)
        // The shop's endpoint failed in every way, and its view still converged.
        #expect(report.events.written["order.paid"] ?? 0 > 0)
        #expect(report.events.failed > 0)
        #expect(report.events.timedOut > 0)
        #expect(report.events.outage > 0)
        #expect(report.events.lostAcks > 0)
        #expect(report.events.redeliveries > 0)
        #expect(report.events.retries > 0)
    }

    @Test("the same seed replays the same report; another seed gives another")
    func seedReplays() async throws {
        let first = try await Self.run(Self.options(orders: 120, seed: 42))
        let second = try await Self.run(Self.options(orders: 120, seed: 42))
        let other = try await Self.run(Self.options(orders: 120, seed: 43))
        #expect(first == second)
        #expect(first.callbacks != other.callbacks)
    }

    @Test("on PostgreSQL the same seed gives the same report as on SQLite")
    func postgresMatchesSQLite() async throws {
        let url = try #require(ProcessInfo.processInfo.environment["PAYSYNC_TEST_POSTGRES_URL"], "scripts/test provides a PostgreSQL server")
        let onSQLite = try await Self.run(Self.options(orders: 100, seed: 5))
        let onPostgres = try await Self.run(Self.options(orders: 100, seed: 5), database: url)
        #expect(onPostgres == onSQLite)
        #expect(onPostgres.holds)
    }

    @Test("an order marked paid that the gateway never paid fails the invariant and is named")
    func invariantCatchesAWrongStore() async throws {
        var options = Self.options(orders: 40)
        options.drop = 0
        let report = try await Self.run(options) { store in
            let canceled = try await store.listOrders(OrderQuery(status: .canceled, limit: 1)).orders[0]
            try await store.updateOrder(id: canceled.id) { order in
                var paid = order
                paid.status = .paid
                paid.version += 1
                return OrderChange(order: paid, result: ())
            }
        }
        let broken = report.invariants.filter { !$0.holds }
        // The write reported itself (an `order.paid` event) but was never delivered, so the shop's
        // view, built before it, disagrees with the store and holds an older version.
        #expect(
            broken.map(\.name) == [
                "no order is paid in PaySync that was not paid at the gateway, for its amount", "every event was delivered to the shop",
                "the shop's view, built only from events, equals PaySync's (so the gateway's) for every order and refund",
                "no order event applied out of version order: the shop holds each order's last version",
            ])
        #expect(broken.map(\.violations) == [1, 1, 1, 1])
        #expect(!report.holds)
    }
}

import Foundation
import PaySyncCore
import PaySyncPostgres
import PaySyncSQLite
import PaySyncStore

/// A store driver under test: a name and a way to open a fresh, empty store.
/// Every conformance test runs once per driver in `all`.
struct StoreDriver: Sendable, CustomStringConvertible {
    let description: String
    let open: @Sendable () async throws -> any PaySyncStore

    static var all: [StoreDriver] { [sqlite] + (postgresURL == nil ? [] : [postgres]) }

    static let sqlite = StoreDriver(description: "sqlite") {
        try SQLiteStore(path: temporaryPath("store") + ".sqlite")
    }

    /// The server `scripts/test` starts (scripts/with-postgres), or one you point the tests at.
    static let postgresURL = ProcessInfo.processInfo.environment["PAYSYNC_TEST_POSTGRES_URL"]

    /// Each store gets a fresh schema of its own on the test server.
    static let postgres = StoreDriver(description: "postgres") {
        try await PostgresStore.connect(url: postgresURL!, schema: "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
    }
}

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("paysync-\(name)-\(UUID().uuidString)").path
}

/// Test fixtures: orders and events with exact, readable values.
enum Fixture {
    static let t0 = Timestamp(millisecondsSinceEpoch: 1_795_538_439_000)

    static func order(
        _ number: String, account: String = "default", provider: String = "codepay", minor: Int64 = 10_050,
        status: OrderStatus = .created, at: Timestamp = t0
    ) -> Order {
        var random = SystemRandomNumberGenerator()
        return Order(
            id: .make(at: at, using: &random), account: try! MerchantAccountID(account), merchantOrderNumber: try! MerchantOrderNumber(number),
            provider: try! ProviderID(provider), amount: Money(minorUnits: minor, currency: .USD), subject: "T-shirt", status: status,
            attempt: 1, version: 1, gatewayOrderNumber: nil, createdAt: at, updatedAt: at)
    }

    static func created(_ order: Order) -> OrderEvent {
        OrderEvent(
            kind: "created", source: .merchantAPI, from: nil, to: order.status, outcome: .applied, attempt: 1,
            evidence: Evidence(summary: "created", amount: order.amount), at: order.createdAt)
    }

    static func audit(_ order: Order, _ summary: String) -> AuditRecord {
        AuditRecord(orderID: order.id, kind: .inbound, summary: summary, at: order.createdAt)
    }
}

extension PaySyncStore {
    /// Inserts `order` with its created event and one audit row.
    func insert(_ order: Order) async throws {
        try await insertOrder(order, event: Fixture.created(order), audit: [Fixture.audit(order, "create")])
    }
}

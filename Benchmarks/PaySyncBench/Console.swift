import ArgumentParser
import Foundation
import PaySyncCore
import PaySyncEngine
import PaySyncStore

/// Writes a database of `orders` orders for the console benchmark (`Benchmarks/console.sh`):
/// a third paid, a third pending, a third canceled, created a millisecond apart; order `B-0`
/// carries a timeline of 40 entries (20 changes, each an event and an audit row). Adds operator
/// `bench` (password `bench-password-1`) and writes `paysync.json`; prints `B-0`'s id.
struct PrepareConsole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prepare-console")

    @Option(help: "Folder to write into.") var directory: String
    @Option(help: "Orders to write.") var orders = 1_000_000

    func run() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let (store, databaseURL) = try await BenchStore.open(nil, sqlitePath: "\(directory)/paysync.sqlite")
        let now = Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
        let statuses: [OrderStatus] = [.paid, .pending, .canceled]
        let started = Date()
        try await BenchOrders.insertPending(orders, into: store, upTo: now, writers: 256) { index, id, created in
            Order(
                id: id, account: .default, merchantOrderNumber: try MerchantOrderNumber("B-\(index)"), provider: try ProviderID("codepay"),
                amount: Money(minorUnits: 1_525 + Int64(index % 1_000), currency: .USD), subject: "bench", status: statuses[index % 3], attempt: 1,
                version: 1, gatewayOrderNumber: "G\(index)", createdAt: created, updatedAt: created)
        }
        let first = try await store.order(account: .default, number: try MerchantOrderNumber("B-0"))!
        for step in 1...20 {
            try await store.updateOrder(id: first.id) { current in
                var next = current
                next.updatedAt = now.adding(milliseconds: Int64(step))
                return OrderChange(
                    order: next,
                    events: [
                        OrderEvent(
                            kind: "checked", source: .query, from: current.status, to: current.status, outcome: .unchanged, attempt: 1,
                            evidence: Evidence(summary: "query \(step): paid"), at: next.updatedAt)
                    ],
                    audit: [AuditRecord(orderID: current.id, kind: .outbound, summary: "codepay query_payment -> paid", latencyMilliseconds: 12, at: next.updatedAt)],
                    result: ())
            }
        }
        _ = try await OperatorService(store: store, clock: SystemClock()).add(name: "bench", role: .viewer, password: "bench-password-1")
        try await store.close()
        try """
            {"database": {"url": "\(databaseURL)"}, "log": {"level": "error"}, "api": {"token": "bench"}, "providers": {"enabled": []}}
            """.write(toFile: "\(directory)/paysync.json", atomically: true, encoding: .utf8)
        FileHandle.standardError.write(Data("prepare-console: \(orders) orders in \(Int(Date().timeIntervalSince(started))) s\n".utf8))
        print(first.id.rawValue)
    }
}

import ArgumentParser
import Foundation
import PaySyncCore
import PaySyncGateways
import PaySyncPostgres
import PaySyncSQLite
import PaySyncSandbox
import PaySyncStore

/// `paysync-bench`: prepares what the benchmark scripts measure.
@main
struct PaySyncBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paysync-bench", abstract: "Benchmark preparation for PaySync.", subcommands: [
            PrepareIngest.self, Checks.self, SandboxServer.self, Verify.self, Statements.self, Judge.self, Events.self, ReceiverServer.self,
            PrepareConsole.self,
        ])
}

/// Writes a database of pending orders, PaySync's configuration, and one distinct, validly
/// signed paid-callback per order, one per line, for wrk's replay script.
struct PrepareIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prepare-ingest")

    @Option(help: "Folder to write into.") var directory: String
    @Option(help: "Orders (and callbacks) to prepare.") var orders = 100_000
    @Option(help: "payzapp (HMAC-signed) or codepay (RSA-signed).") var provider = "payzapp"
    @Option(help: "A postgres:// URL to use instead of a SQLite file (a fresh schema is made in it).") var database: String?

    func run() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let credentials = SandboxCredentials.generate()
        let (store, databaseURL) = try await BenchStore.open(database, sqlitePath: "\(directory)/paysync.sqlite")
        let now = Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
        try await BenchOrders.insertPending(orders, into: store, upTo: now, BenchOrders.paid(by: provider))
        try await store.close()

        // One line per request: `name=value;name=value<TAB>body` (bodies are single-line JSON).
        var lines = ""
        let secrets = try HMACSecrets([credentials.payZAppSecret])
        for index in 0..<orders {
            let headers: [String: String]
            let body: [UInt8]
            if provider == "payzapp" {
                (headers, body) = BenchPayZApp.paidCallback(index, at: now, secrets: secrets)
            } else {
                body = CodePayWire.signedBody(
                    [("merchant_no", "M100"), ("merchant_order_no", "B-\(index)"), ("trans_no", "G\(index)"), ("trans_type", "sale"), ("trans_status", "2"),
                     ("order_amount", "15.25"), ("price_currency", "USD"), ("sign_type", "RSA2")], key: credentials.gatewayKey)
                headers = [:]
            }
            lines += headers.map { "\($0.key)=\($0.value)" }.joined(separator: ";") + "\t" + String(decoding: body, as: UTF8.self) + "\n"
        }
        try lines.write(toFile: "\(directory)/requests.txt", atomically: true, encoding: .utf8)

        try credentials.merchantKey.privateKeyPEM.write(toFile: "\(directory)/merchant.pem", atomically: true, encoding: .utf8)
        try credentials.gatewayKey.publicKeyPEM.write(toFile: "\(directory)/gateway.pem", atomically: true, encoding: .utf8)
        let config = """
            {"database": {"url": "\(databaseURL)"}, "log": {"level": "error"}, "api": {"token": "bench"},
             "gateways": {
               "codepay": {"baseURL": "http://127.0.0.1:9/codepay", "appID": "app-cp", "merchantNumber": "M100",
                           "merchantKeyFile": "merchant.pem", "gatewayKeyFiles": ["gateway.pem"]},
               "payzapp": {"baseURL": "http://127.0.0.1:9/payzapp", "merchantNumber": "MNO1", "accessKey": "AK1",
                           "secrets": ["\(credentials.payZAppSecret)"], "timestampWindowSeconds": 86400}}}
            """
        try config.write(toFile: "\(directory)/paysync.json", atomically: true, encoding: .utf8)
        print("prepared \(orders) \(provider) orders and callbacks in \(directory)")
    }
}

/// The store a benchmark writes: a fresh SQLite file, or a fresh schema on a PostgreSQL server.
enum BenchStore {
    static func open(_ url: String?, sqlitePath: String) async throws -> (any PaySyncStore, String) {
        if let url {
            let schema = "bench_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            let scoped = url + (url.contains("?") ? "&" : "?") + "schema=" + schema
            return (try await PostgresStore.connect(url: scoped, maximumConnections: 32), scoped)
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: sqlitePath + suffix) }
        return (try SQLiteStore(path: sqlitePath), sqlitePath)
    }
}

import ArgumentParser
import Foundation
import PaySyncCore
import PaySyncGateways
import PaySyncSQLite
import PaySyncSandbox
import PaySyncStore

/// `paysync-bench`: prepares what the benchmark scripts measure.
@main
struct PaySyncBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paysync-bench", abstract: "Benchmark preparation for PaySync.", subcommands: [PrepareIngest.self, Checks.self])
}

/// Writes a database of pending orders, PaySync's configuration, and one distinct, validly
/// signed paid-callback per order, one per line, for wrk's replay script.
struct PrepareIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prepare-ingest")

    @Option(help: "Folder to write into.") var directory: String
    @Option(help: "Orders (and callbacks) to prepare.") var orders = 100_000
    @Option(help: "payzapp (HMAC-signed) or codepay (RSA-signed).") var provider = "payzapp"

    func run() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let credentials = SandboxCredentials.generate()
        let database = "\(directory)/paysync.sqlite"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        let store = try SQLiteStore(path: database)
        let now = Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
        let currency: Currency = provider == "payzapp" ? .INR : .USD
        let amount = Money(minorUnits: 1_525, currency: currency)
        var random = SystemRandomNumberGenerator()
        let batch = 1_000
        for start in stride(from: 0, to: orders, by: batch) {
            for index in start..<min(orders, start + batch) {
                let order = Order(
                    id: .random(using: &random), account: .default, merchantOrderNumber: try MerchantOrderNumber("B-\(index)"),
                    provider: try ProviderID(provider), amount: amount, subject: "bench", status: .pending, attempt: 1, version: 1,
                    gatewayOrderNumber: "G\(index)", createdAt: now, updatedAt: now)
                try await store.insertOrder(
                    order, event: OrderEvent(kind: "created", source: .merchantAPI, from: nil, to: .pending, outcome: .applied, attempt: 1, evidence: Evidence(summary: "bench"), at: now),
                    audit: [])
            }
        }
        try await store.close()

        // One line per request: `name=value;name=value<TAB>body` (bodies are single-line JSON).
        var lines = ""
        let secrets = try HMACSecrets([credentials.payZAppSecret])
        for index in 0..<orders {
            let headers: [String: String]
            let body: [UInt8]
            if provider == "payzapp" {
                body = Array(#"{"type":"payin","outTradeNo":"B-\#(index)","tradeNo":"G\#(index)","tradeAmount":1525,"currency":"INR","tradeStatus":"SUCCESS","channelCode":"UPI","attach":""}"#.utf8)
                let signed = PayZAppWire.signedHeaders(
                    accessKey: "AK1", mno: "MNO1", nonce: "n\(index)", timestamp: now, query: [], body: body, secrets: secrets, includeBody: true)
                headers = Dictionary(uniqueKeysWithValues: signed.map { ($0.name, $0.value) })
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
            {"database": {"url": "\(database)"}, "log": {"level": "error"}, "api": {"token": "bench"},
             "gateways": {
               "codepay": {"baseURL": "http://127.0.0.1:9/codepay", "appID": "app-cp", "merchantNumber": "M100",
                           "merchantKeyFile": "\(directory)/merchant.pem", "gatewayKeyFiles": ["\(directory)/gateway.pem"]},
               "payzapp": {"baseURL": "http://127.0.0.1:9/payzapp", "merchantNumber": "MNO1", "accessKey": "AK1",
                           "secrets": ["\(credentials.payZAppSecret)"], "timestampWindowSeconds": 86400}}}
            """
        try config.write(toFile: "\(directory)/paysync.json", atomically: true, encoding: .utf8)
        print("prepared \(orders) \(provider) orders and callbacks in \(directory)")
    }
}

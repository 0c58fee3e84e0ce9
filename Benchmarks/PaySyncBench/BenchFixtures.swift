import PaySyncCore
import PaySyncGateways
import PaySyncStore

/// Orders the benchmarks start from.
enum BenchOrders {
    /// Inserts `count` pending orders, `writers` at once (SQLite's group commit makes their
    /// inserts share a sync), created one millisecond apart up to
    /// `now` as a shop's orders arrive (so their time-ordered ids cluster as a shop's do). `make`
    /// builds order `index` from its id and creation time; its "created" event is stamped
    /// `eventAt`, or the order's creation time.
    static func insertPending(
        _ count: Int, into store: any PaySyncStore, upTo now: Timestamp, eventAt: Timestamp? = nil, writers: Int = 8,
        _ make: @escaping @Sendable (_ index: Int, _ id: OrderID, _ created: Timestamp) throws -> Order
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<writers {
                group.addTask {
                    var random = SystemRandomNumberGenerator()
                    for index in stride(from: worker, to: count, by: writers) {
                        let created = now.adding(milliseconds: Int64(index - count))
                        let order = try make(index, .make(at: created, using: &random), created)
                        try await store.insertOrder(
                            order,
                            event: OrderEvent(
                                kind: "created", source: .merchantAPI, from: nil, to: .pending, outcome: .applied, attempt: 1,
                                evidence: Evidence(summary: "bench"), at: eventAt ?? created),
                            audit: [])
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Pending order `B-index` of 15.25 (INR at PayZApp, else USD), gateway order `G-index`: what
    /// `BenchPayZApp`'s callbacks (and `prepare-ingest`'s CodePay ones) pay. Like a shop's order
    /// awaiting payment, it has a check scheduled, so the callback that settles it also cancels
    /// that check (an `orders_due_checks` entry). It is the last rung of the default ladder, 30
    /// minutes after creation: `insertPending` creates orders a millisecond apart up to now, so a
    /// million orders still leave every check over 13 minutes away, and no check runs during a
    /// benchmark (its gateway is unreachable: checks would only add failed queries to measure).
    static func paid(by provider: String) -> @Sendable (Int, OrderID, Timestamp) throws -> Order {
        let currency: Currency = provider == "payzapp" ? .INR : .USD
        let ladder = PollLadder.progressive
        let lastRung = ladder.offsetsMilliseconds.count - 1
        return { index, id, created in
            Order(
                id: id, account: .default, merchantOrderNumber: try MerchantOrderNumber("B-\(index)"), provider: try ProviderID(provider),
                amount: Money(minorUnits: 1_525, currency: currency), subject: "bench", status: .pending, attempt: 1, version: 1,
                gatewayOrderNumber: "G\(index)", createdAt: created, updatedAt: created,
                check: CheckState(anchor: created, rung: lastRung, nextAt: ladder.time(ofRung: lastRung, anchor: created) ?? created))
        }
    }
}

/// The PayZApp merchant the benchmarks play, and its callbacks.
enum BenchPayZApp {
    static let accessKey = "AK1"
    static let merchantNumber = "MNO1"

    static func adapter(_ secrets: HMACSecrets) -> PayZAppAdapter {
        PayZAppAdapter(configuration: PayZAppConfiguration(
            merchantNumber: merchantNumber, accessKey: accessKey, secrets: secrets, baseURL: "http://127.0.0.1:9/payzapp"))
    }

    /// The validly signed "paid" callback for order `B-index`: its body and its `at-*` headers.
    static func paidCallback(_ index: Int, at now: Timestamp, secrets: HMACSecrets) -> (headers: [String: String], body: [UInt8]) {
        let body = Array(
            #"{"type":"payin","outTradeNo":"B-\#(index)","tradeNo":"G\#(index)","tradeAmount":1525,"currency":"INR","tradeStatus":"SUCCESS","channelCode":"UPI","attach":""}"#
                .utf8)
        let signed = PayZAppWire.signedHeaders(
            accessKey: accessKey, mno: merchantNumber, nonce: "n\(index)", timestamp: now, query: [], body: body, secrets: secrets, includeBody: true)
        return (Dictionary(uniqueKeysWithValues: signed.map { ($0.name, $0.value) }), body)
    }

    /// The same callback as the HTTP controller hands it to the `Ingestor`: lower-cased header
    /// names, with the headers wrk sends besides the signed ones.
    static func receivedCallback(_ index: Int, at now: Timestamp, secrets: HMACSecrets) -> InboundCallback {
        let (signed, body) = paidCallback(index, at: now, secrets: secrets)
        let sent = ["host": "127.0.0.1:8080", "content-type": "application/json", "content-length": String(body.count)]
        return InboundCallback(headers: sent.merging(signed) { $1 }, body: body)
    }
}

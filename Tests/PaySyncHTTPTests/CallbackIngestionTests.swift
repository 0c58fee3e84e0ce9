import Foundation
import PaySyncApp
import PaySyncCore
import PaySyncEngine
import PaySyncGateways
import PaySyncSandbox
import PaySyncStore
import Testing

/// Callbacks from the sandbox gateways to PaySync over real HTTP on loopback.
@Suite("Callback ingestion")
struct CallbackIngestionTests {
    static let orders: [(String, String, String, String)] = [
        ("codepay", "100.50", "USD", "success"), ("payby", "20.00", "AED", "SUCCESS"),
        ("newpay", "25000", "LAK", #"{"transResult":"SUCCESS"}"#), ("payzapp", "15.25", "INR", "OK"),
    ]

    @Test("each gateway's paid callback is applied and acknowledged with the gateway's exact bytes", arguments: orders)
    func appliedAndAcknowledged(_ provider: String, _ amount: String, _ currency: String, _ ack: String) async throws {
        let api = try APIHarness()
        try await api.run { client in
            #expect(try await client.create(amount: amount, currency: currency, provider: provider).status == 201)
            try await api.sandbox.pay(provider, "A-1001")
            // What the sandbox's delivery did…
            await api.deliver()
            #expect(await api.sandbox.deliveries().map(\.outcome) == [.acknowledged])
            #expect(try await api.order("A-1001")?.status == .paid)
            // …and the exact bytes PaySync answers a redelivery of the same callback.
            let again = try await client.deliver(await api.sandbox.paymentCallback(provider, "A-1001"), provider)
            #expect(again.status == 200)
            #expect(again.text == ack)
            let order = try #require(try await api.order("A-1001"))
            #expect(order.version == 3)
            let events = try await api.store.events(orderID: order.id)
            #expect(events.map { "\($0.kind):\($0.outcome.rawValue)" } == ["created:applied", "submitted:applied", "paid:applied"])
            #expect(events.last?.source == .callback)
        }
    }

    @Test("a body shorter than its Content-Length (the client closes its side) is recorded as far as it came and refused 400 incomplete_body")
    func incompleteBody() async throws {
        let api = try APIHarness()
        try await api.run { client in
            #expect(try await client.create().status == 201)
            let body = #"{"merchant_no":"M100","merchant_order_no":"A-1001""#
            let head = "POST /callbacks/codepay/default HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count + 40)\r\n\r\n"
            let answer = try await RawTCP.halfClosedExchange(port: client.port, Array((head + body).utf8))
            #expect(answer.hasPrefix("HTTP/1.1 400"))
            #expect(answer.contains("incomplete_body"))
            let entry = try #require(try await api.store.inboxEntry(id: 1))
            #expect(entry.verdict == .rejected)
            #expect(entry.reason == "incomplete_body")
            #expect(entry.body == Array(body.utf8))
            #expect(try await api.order("A-1001")?.status == .pending)
        }
    }

    @Test("refused callbacks are listed by GET /v1/inbox with their reasons and read back as they arrived from /v1/inbox/{id}")
    func inboxRoutes() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let json = ["content-type": "application/json"]
            #expect(try await client.post("/callbacks/codepay/default", headers: json, body: Array("{".utf8)).status == 400)
            #expect(try await client.post("/callbacks/codepay/default", headers: json, body: [0x7B, 0xC3, 0x28, 0x7D]).status == 400)
            #expect(try await client.post("/callbacks/codepay/default", headers: ["content-type": "text/plain"], body: Array("x=1".utf8)).status == 415)
            let all = try await client.request(.get, "/v1/inbox")
            let entries = try #require(all.json["entries"] as? [[String: Any]])
            #expect(entries.compactMap { $0["reason"] as? String } == ["unsupported_media_type", "invalid_utf8", "malformed_body"])
            #expect(entries.compactMap { $0["verdict"] as? String } == ["rejected", "rejected", "rejected"])
            let malformed = try #require(try await client.request(.get, "/v1/inbox?reason=malformed_body&provider=codepay").json["entries"] as? [[String: Any]])
            #expect(malformed.count == 1)
            let id = try #require(malformed.first?["id"] as? Int)
            let entry = try await client.request(.get, "/v1/inbox/\(id)").json
            #expect(entry["body"] as? String == "{")
            #expect(entry["bodyEncoding"] as? String == "utf8")
            #expect((entry["headers"] as? [String: String])?["content-type"] == "application/json")
            let binary = try #require(entries[1]["id"] as? Int)
            let raw = try await client.request(.get, "/v1/inbox/\(binary)").json
            #expect(raw["body"] as? String == "e8MofQ==")
            #expect(raw["bodyEncoding"] as? String == "base64")
            let paged = try await client.request(.get, "/v1/inbox?limit=2").json
            #expect((paged["entries"] as? [[String: Any]])?.count == 2)
            let cursor = try #require(paged["nextCursor"] as? String)
            #expect((try await client.request(.get, "/v1/inbox?limit=2&cursor=\(cursor)").json["entries"] as? [[String: Any]])?.compactMap { $0["reason"] as? String } == ["malformed_body"])
            #expect(try await client.request(.get, "/v1/inbox?verdict=maybe").error["code"] == "invalid_query")
            #expect(try await client.request(.get, "/v1/inbox/999").status == 404)
            #expect(try await client.request(.get, "/v1/inbox", token: nil).status == 401)
        }
    }

    @Test("100 concurrent deliveries of one callback: one transition, one event, 100 acknowledgements")
    func concurrentDuplicates() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let message = try await paidOrderCallback(api, client)
            let replies = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for _ in 0..<100 { group.addTask { try await client.deliver(message, "codepay") } }
                return try await group.reduce(into: [APIResponse]()) { $0.append($1) }
            }
            #expect(replies.map { "\($0.status) \($0.text)" } == Array(repeating: "200 success", count: 100))
            let order = try #require(try await api.order("A-1001"))
            #expect(order.status == .paid)
            #expect(order.version == 3)
            #expect(try await api.store.events(orderID: order.id).filter { $0.kind == "paid" }.count == 1)
            let timeline = try await api.store.timeline(orderID: order.id)
            // One line for the one callback that reached the order: its event, no audit row besides.
            #expect(timeline.compactMap { if case .event(let e) = $0, e.source == .callback { e.evidence.summary } else { nil } } == ["callback codepay 2 -> applied"])
            #expect(timeline.filter { if case .audit(let a) = $0 { a.operation == "callback" } else { false } }.isEmpty)
        }
    }

    @Test("concurrent success and cancel callbacks: one terminal state, the other in review")
    func concurrentConflict() async throws {
        let api = try APIHarness()
        try await api.run { client in
            for round in 0..<10 {
                let number = "K-\(round)"
                _ = try await client.create(number: number)
                let paid = try #require(await api.sandbox.paymentCallback("codepay", number, status: .paid))
                let canceled = try #require(await api.sandbox.paymentCallback("codepay", number, status: .canceled))
                async let a = client.deliver(paid, "codepay")
                async let b = client.deliver(canceled, "codepay")
                let replies = try await [a, b]
                #expect(replies.allSatisfy { $0.status == 200 })
                let order = try #require(try await api.order(number))
                #expect(order.status == .paid || order.status == .canceled)
                let events = try await api.store.events(orderID: order.id).filter { $0.source == .callback }
                #expect(events.map(\.outcome.rawValue).sorted() == ["applied", "review"])
            }
            #expect(try await api.store.reviewItems(status: .open, limit: 100).count == 10)
        }
    }

    @Test("a callback that arrives before its order is parked, acknowledged, and applied when the order appears")
    func parkedThenMatched() async throws {
        let api = try APIHarness()
        try await api.run { client in
            _ = try await api.sandbox.ledger.create(provider: "codepay", number: "A-1001", amount: Money(minorUnits: 10_050, currency: .USD), notifyURL: "x", now: api.clock.now())
            let early = try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001", status: .paid), "codepay")
            #expect(early.status == 200)
            #expect(early.text == "success")
            let created = try await client.create()
            #expect(created.status == 201)
            #expect(created.order["status"] as? String == "paid")
            let order = try #require(try await api.order("A-1001"))
            #expect(try await api.store.events(orderID: order.id).map(\.kind) == ["created", "submitted", "paid"])
        }
    }

    @Test("a well-formed callback with a bad signature is never applied, but makes PaySync ask the gateway (rate-limited)")
    func unverifiedTriggersQuery() async throws {
        let api = try APIHarness()
        try await api.run { client in
            _ = try await client.create()
            try await api.sandbox.pay("codepay", "A-1001")
            let forged = try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001", forged: true), "codepay")
            #expect(forged.status == 401)
            let order = try #require(try await api.order("A-1001"))
            #expect(order.status == .paid)
            #expect(try await api.store.events(orderID: order.id).last.map { "\($0.kind):\($0.source.rawValue)" } == "paid:query")
            _ = try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001", forged: true), "codepay")
            #expect(try await api.store.audit(orderID: order.id).filter { $0.operation == "query_payment" }.count == 1)
        }
    }

    @Test("a forged callback for an order the gateway has not paid changes nothing")
    func forgedUnpaid() async throws {
        let api = try APIHarness()
        try await api.run { client in
            _ = try await client.create()
            let forged = try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001", status: .paid, forged: true), "codepay")
            #expect(forged.status == 401)
            #expect(try await api.order("A-1001")?.status == .pending)
        }
    }

    @Test("a redelivery days later is still recognised as a duplicate")
    func lateDuplicate() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let message = try await paidOrderCallback(api, client)
            _ = try await client.deliver(message, "codepay")
            api.clock.advance(milliseconds: 3 * 86_400_000)
            let late = try await client.deliver(message, "codepay")
            #expect(late.status == 200)
            let order = try #require(try await api.order("A-1001"))
            #expect(order.version == 3)
        }
    }

    @Test("metrics count every callback received, and a redelivery as a duplicate, per gateway")
    func receivedAndDuplicateMetrics() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let message = try await paidOrderCallback(api, client)
            for _ in 0..<3 { _ = try await client.deliver(message, "codepay") }
            let metrics = try await client.request(.get, "/metrics", token: nil).text
            #expect(metrics.contains(#"paysync_callbacks_received_total{gateway="codepay"} 3"#))
            #expect(metrics.contains(#"paysync_callbacks_total{gateway="codepay",outcome="applied"} 1"#))
            #expect(metrics.contains(#"paysync_callbacks_total{gateway="codepay",outcome="duplicate"} 2"#))
            #expect(!metrics.contains(#"gateway="payby""#))
        }
    }

    @Test("the timeline shows each callback with its verdict and reason; metrics count them")
    func timelineAndMetrics() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create().order["id"] as? String)
            try await api.sandbox.pay("codepay", "A-1001")
            _ = try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001"), "codepay")
            _ = try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001", amount: Money(minorUnits: 10_051, currency: .USD)), "codepay")
            _ = try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001", forged: true), "codepay")
            let timeline = try await client.request(.get, "/v1/orders/\(id)/timeline")
            let summaries = try #require(timeline.json["entries"] as? [[String: Any]]).compactMap { $0["summary"] as? String }
            #expect(summaries.contains("callback codepay 2 -> review (amount_mismatch)"))
            #expect(summaries.contains("callback codepay 2 -> applied"))
            let metrics = try await client.request(.get, "/metrics", token: nil).text
            #expect(metrics.contains(#"paysync_callbacks_total{gateway="codepay",outcome="applied"} 1"#))
            #expect(metrics.contains(#"paysync_callbacks_total{gateway="codepay",outcome="review"} 1"#))
            #expect(metrics.contains(#"paysync_callbacks_rejected_total{gateway="codepay",reason="bad_signature"} 1"#))
            #expect(metrics.contains("paysync_callback_duration_seconds"))
        }
    }

    @Test("an order's timeline lists every callback that named it — applied, duplicate and refused — each before what it caused")
    func timelineListsEveryCallback() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create().order["id"] as? String)
            try await api.sandbox.pay("codepay", "A-1001")
            #expect(try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001"), "codepay").status == 200)
            api.clock.advance(milliseconds: 1_000)
            #expect(try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001"), "codepay").status == 200)
            api.clock.advance(milliseconds: 1_000)
            #expect(try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001", forged: true), "codepay").status == 401)
            let entries = try #require(try await client.request(.get, "/v1/orders/\(id)/timeline").json["entries"] as? [[String: Any]])
            let callbacks = entries.filter { $0["type"] as? String == "callback" }
            #expect(callbacks.map { "\($0["inboxId"] ?? "-") \($0["verdict"] ?? "-") \($0["reason"] ?? "-")" } == ["1 applied -", "2 duplicate -", "3 rejected bad_signature"])
            #expect(callbacks.last?["summary"] as? String == "codepay callback rejected (bad_signature)")
            #expect(callbacks.last?["reference"] as? String == "inbox:3")
            // Each callback comes before what it caused: the applied one right before the paid event.
            let labels = entries.map { ($0["type"] as? String ?? "") + ":" + ($0["kind"] as? String ?? "") + ($0["inboxId"].map { " \($0)" } ?? "") }
            let applied = try #require(labels.firstIndex(of: "callback:inbound 1"))
            #expect(labels[applied + 1] == "event:paid")
            // The inbox finds the refused one by the number it claimed.
            let named = try #require(try await client.request(.get, "/v1/inbox?order=A-1001").json["entries"] as? [[String: Any]])
            #expect(named.compactMap { $0["id"] as? Int } == [3, 2, 1])
        }
    }

    @Test(
        "POST /v1/inbox/{id}/replay judges a refused callback again after a key rotation, its signed time against its receipt: applied once, audited",
        arguments: [("codepay", "100.50", "USD"), ("payzapp", "15.25", "INR")])
    func replayAfterKeyRotation(_ provider: String, _ amount: String, _ currency: String) async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create(amount: amount, currency: currency, provider: provider).order["id"] as? String)
            try await api.sandbox.pay(provider, "A-1001")
            let message = try #require(await api.sandbox.paymentCallback(provider, "A-1001"))
            // The callback reaches an instance still verifying with the gateway's old key (PayZApp: old secret).
            var stale = GatewayDirectory()
            for adapter in try SandboxCredentials.generate().adapters(baseURL: "http://127.0.0.1:9") { stale.register(adapter, account: .default) }
            let oldInstance = PaySyncInstance(
                store: api.store, directory: stale, clock: api.clock, policy: OrderPolicy(), callbacks: api.callbacks, owner: "old")
            let refused = await oldInstance.ingestor.ingest(
                provider: provider, account: "default", headers: message.headers, body: message.body, bodyTruncated: false, remoteAddress: nil)
            #expect(refused.status == 401)
            let inboxID = try #require(refused.inboxID)
            #expect(try await api.order("A-1001")?.status == .pending)
            // This instance has the new key: ten minutes later (beyond PayZApp's 300 s window), the
            // operator replays the stored request.
            api.clock.advance(milliseconds: 600_000)
            let replayed = try await client.request(.post, "/v1/inbox/\(inboxID)/replay")
            #expect(replayed.status == 200)
            #expect((replayed.json["before"] as? [String: Any])?["verdict"] as? String == "rejected")
            #expect((replayed.json["before"] as? [String: Any])?["reason"] as? String == "bad_signature")
            #expect((replayed.json["entry"] as? [String: Any])?["verdict"] as? String == "applied")
            #expect((replayed.json["entry"] as? [String: Any])?["orderId"] as? String == id)
            let order = try #require(try await api.order("A-1001"))
            #expect(order.status == .paid)
            #expect(try await api.store.events(orderID: order.id).filter { $0.kind == "paid" }.count == 1)
            let audit = try await api.store.audit(orderID: order.id).filter { $0.operation == "replay_callback" }
            #expect(audit.map(\.summary) == ["callback replayed by the API: rejected (bad_signature) → applied"])
            #expect(audit.first?.kind == .operator)
            let again = try await client.request(.post, "/v1/inbox/\(inboxID)/replay")
            #expect(again.status == 409)
            #expect(again.error["code"] == "inbox_entry_judged")
            #expect(try await client.request(.post, "/v1/inbox/999/replay").status == 404)
        }
    }

    @Test("a replay that is refused again stays replayable and is audited on the order it names; a partial body is never replayed")
    func replayRefusedAgain() async throws {
        let api = try APIHarness()
        try await api.run { client in
            _ = try await client.create()
            let forged = try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001", forged: true), "codepay")
            #expect(forged.status == 401)
            #expect(try await client.request(.post, "/v1/inbox/1/replay").status == 200)
            #expect(try await client.request(.post, "/v1/inbox/1/replay").status == 200)
            #expect(try await api.store.inboxEntry(id: 1)?.outcome.verdictText == "rejected (bad_signature)")
            let order = try #require(try await api.order("A-1001"))
            #expect(try await api.store.audit(orderID: order.id).filter { $0.operation == "replay_callback" }.map(\.summary)
                == Array(repeating: "callback replayed by the API: rejected (bad_signature) → rejected (bad_signature)", count: 2))
            let body = #"{"merchant_no":"M100","merchant_order_no":"A-1001""#
            let head = "POST /callbacks/codepay/default HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count + 40)\r\n\r\n"
            _ = try await RawTCP.halfClosedExchange(port: client.port, Array((head + body).utf8))
            let partial = try await client.request(.post, "/v1/inbox/2/replay")
            #expect(partial.status == 409)
            #expect(partial.error["code"] == "inbox_entry_partial")
        }
    }

    @Test("the review queue lists open items and resolving one is audited")
    func reviewQueue() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create().order["id"] as? String)
            try await api.sandbox.pay("codepay", "A-1001")
            _ = try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001", amount: Money(minorUnits: 1, currency: .USD)), "codepay")
            let open = try await client.request(.get, "/v1/reviews")
            let items = try #require(open.json["reviews"] as? [[String: Any]])
            #expect(items.count == 1)
            #expect(items.first?["reason"] as? String == "amount_mismatch")
            #expect(items.first?["orderId"] as? String == id)
            let reviewID = try #require(items.first?["id"] as? Int)
            let missingNote = try await client.request(.post, "/v1/reviews/\(reviewID)/resolve", json: #"{"by":"ana","note":" "}"#)
            #expect(missingNote.status == 400)
            let resolved = try await client.request(.post, "/v1/reviews/\(reviewID)/resolve", json: #"{"by":"ana","note":"partial capture confirmed with CodePay"}"#)
            #expect(resolved.status == 200)
            #expect(resolved.json["status"] as? String == "resolved")
            #expect(resolved.json["resolvedBy"] as? String == "ana")
            #expect((try await client.request(.get, "/v1/reviews").json["reviews"] as? [Any])?.count == 0)
            #expect(try await client.request(.post, "/v1/reviews/999/resolve", json: #"{"by":"ana","note":"x"}"#).status == 404)
            let timeline = try await client.request(.get, "/v1/orders/\(id)/timeline")
            let operatorRows = try #require(timeline.json["entries"] as? [[String: Any]]).filter { $0["kind"] as? String == "operator" }
            #expect(operatorRows.first?["summary"] as? String == "review \(reviewID) (amount_mismatch) resolved by ana")
            #expect(operatorRows.first?["detail"] as? String == "partial capture confirmed with CodePay")
        }
    }
}

/// Order A-1001 created at CodePay and paid at the sandbox: the gateway's signed callback for it,
/// not yet delivered.
private func paidOrderCallback(_ api: APIHarness, _ client: APIClient) async throws -> SignedMessage {
    _ = try await client.create()
    try await api.sandbox.pay("codepay", "A-1001")
    return try #require(await api.sandbox.paymentCallback("codepay", "A-1001"))
}

/// One request over a plain TCP connection whose sending side is shut after the bytes (a client
/// that half-closes), and everything the server answers until it closes (blocking, off the pool).
enum RawTCP {
    struct Failed: Error { let step: String }

    static func halfClosedExchange(port: Int, _ bytes: [UInt8]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try exchange(port: port, bytes) })
            }
        }
    }

    private static func exchange(port: Int, _ bytes: [UInt8]) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failed(step: "socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failed(step: "connect") }
        guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else { throw Failed(step: "send") }
        shutdown(fd, Int32(SHUT_WR))
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            answer += buffer.prefix(count)
        }
        return String(decoding: answer, as: UTF8.self)
    }
}

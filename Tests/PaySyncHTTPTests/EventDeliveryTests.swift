import Foundation
import PaySyncCore
import PaySyncEngine
import PaySyncStore
import Testing

/// Events end to end over loopback: endpoints made through the API, deliveries signed by PaySync
/// and verified by a receiver written with the official `standardwebhooks` package.
@Suite("Outbound events over HTTP", .enabled(if: StandardWebhooksReceiver.python != nil, "scripts/test sets PAYSYNC_TEST_PYTHON"))
struct EventDeliveryTests {
    /// Makes an endpoint at `url` through the API; returns its id and the secret shown once.
    func endpoint(_ client: APIClient, url: String, types: String = "") async throws -> (id: String, secret: String) {
        let typesField = types.isEmpty ? "" : #","types":[\#(types)]"#
        let made = try await client.request(.post, "/v1/endpoints", json: #"{"url":"\#(url)","description":"shop"\#(typesField)}"#)
        #expect(made.status == 201)
        return (try #require(made.json["id"] as? String), try #require(made.json["secret"] as? String))
    }

    @Test("the official standardwebhooks package verifies every delivery, during a secret rotation too; another endpoint's secret does not")
    func verifiedByTheOfficialLibrary() async throws {
        let harness = try APIHarness()
        // The library refuses timestamps five minutes away from its own clock: run on today's time.
        harness.clock.set(SystemClock().now())
        let receiver = try StandardWebhooksReceiver()
        try await harness.run { client in
            let shop = try await endpoint(client, url: receiver.url)
            let other = try await endpoint(client, url: "http://127.0.0.1:9/elsewhere", types: #""payout.failed""#)
            #expect(shop.secret.hasPrefix("whsec_"))
            #expect(try await client.request(.get, "/v1/endpoints/\(shop.id)").json["secret"] == nil)
            try await receiver.setSecrets([shop.secret, other.secret])
            #expect(try await client.create(number: "A-1").status == 201)
            #expect(try await client.instance.deliverer.deliverDue() == 1)

            // A rotation: the new secret signs beside the old one, in one header.
            let rotated = try await client.request(.post, "/v1/endpoints/\(shop.id)/rotate", json: #"{"overlapSeconds":3600}"#)
            let newSecret = try #require(rotated.json["secret"] as? String)
            #expect(newSecret != shop.secret)
            try await receiver.setSecrets([shop.secret, newSecret, other.secret])
            #expect(try await client.create(number: "A-2").status == 201)
            #expect(try await client.instance.deliverer.deliverDue() == 1)

            let log = try await receiver.log()
            #expect(log.count == 2)
            #expect(log.map(\.status) == [200, 200])
            #expect(log[0].verdicts.map(\.ok) == [true, false])
            #expect(log[1].verdicts.map(\.ok) == [true, true, false])
            #expect(log[1].headers["webhook-signature"]?.split(separator: " ").count == 2)
            let events = try await client.instance.store.events(EventQuery(account: .default)).events
            #expect(log.map(\.body) == events.map(\.payload))
            #expect(log.compactMap { $0.headers["webhook-id"] } == events.map(\.id))

            // What the library must refuse: a changed body, an old timestamp, a wrong secret.
            let headers = log[0].headers
            let tampered = try await receiver.verify(secret: shop.secret, headers: headers, body: log[0].body.replacingOccurrences(of: "A-1", with: "A-9"))
            #expect(tampered.ok == false)
            let old = SystemClock().now().millisecondsSinceEpoch / 1_000 - 600
            let oldHeaders = [
                "webhook-id": events[0].id, "webhook-timestamp": "\(old)",
                "webhook-signature": try WebhookSignature.signature(id: events[0].id, timestamp: old, body: Array(log[0].body.utf8), secret: shop.secret),
            ]
            let stale = try await receiver.verify(secret: shop.secret, headers: oldHeaders, body: log[0].body)
            #expect(stale.ok == false)
            #expect(stale.error?.contains("too old") == true)
            #expect(try await receiver.verify(secret: other.secret, headers: headers, body: log[0].body).ok == false)
            #expect(try await receiver.verify(secret: shop.secret, headers: headers, body: log[0].body).ok == true)
        }
    }

    @Test("a receiver answering 500 gets the same event again 5 s later, with the same id and a fresh signature")
    func retriedUntilAccepted() async throws {
        let harness = try APIHarness()
        harness.clock.set(SystemClock().now())
        let receiver = try StandardWebhooksReceiver()
        try await harness.run { client in
            let shop = try await endpoint(client, url: receiver.url)
            try await receiver.setSecrets([shop.secret])
            try await receiver.answer([500])
            #expect(try await client.create(number: "A-1").status == 201)
            #expect(try await client.instance.deliverer.deliverDue() == 1)
            // The retry is due 5 s (± 10 %) later: nothing before, the same event then.
            harness.clock.advance(milliseconds: 4_000)
            #expect(try await client.instance.deliverer.deliverDue() == 0)
            harness.clock.advance(milliseconds: 2_000)
            #expect(try await client.instance.deliverer.deliverDue() == 1)
            let log = try await receiver.log()
            #expect(log.map(\.status) == [500, 200])
            #expect(log.map { $0.headers["webhook-signature"] }[0] != log.map { $0.headers["webhook-signature"] }[1])
            #expect(Set(log.compactMap { $0.headers["webhook-id"] }).count == 1)
            #expect(log.allSatisfy { $0.verdicts.first?.ok == true })
            let event = try #require(try await client.instance.store.events(EventQuery(account: .default)).events.first)
            let attempts = try await client.request(.get, "/v1/events/\(event.id)/attempts").json["attempts"] as? [[String: Any]]
            #expect(attempts?.compactMap { $0["status"] as? Int } == [500, 200])
        }
    }

    @Test("the feed read from its cursor gives every event once in commit order; an empty read waits, then answers")
    func feed() async throws {
        let harness = try APIHarness()
        try await harness.run { client in
            for number in 1...3 { #expect(try await client.create(number: "A-\(number)").status == 201) }
            let first = try await client.request(.get, "/v1/events?limit=2")
            let page = try #require(first.json["events"] as? [[String: Any]])
            #expect(page.compactMap { ($0["data"] as? [String: Any])?["merchantOrderNumber"] as? String } == ["A-1", "A-2"])
            #expect(page.compactMap { $0["type"] as? String } == ["order.pending", "order.pending"])
            #expect(first.json["hasMore"] as? Bool == true)
            let cursor = try #require(first.json["nextCursor"] as? String)
            let second = try await client.request(.get, "/v1/events?cursor=\(cursor)")
            #expect((second.json["events"] as? [[String: Any]])?.compactMap { ($0["data"] as? [String: Any])?["merchantOrderNumber"] as? String } == ["A-3"])
            #expect(second.json["nextCursor"] as? String == "3")
            let started = ContinuousClock.now
            let waited = try await client.request(.get, "/v1/events?cursor=3&wait=1")
            #expect(ContinuousClock.now - started >= .milliseconds(1_000))
            #expect((waited.json["events"] as? [Any])?.isEmpty == true)
            #expect(waited.json["nextCursor"] as? String == "3")
            #expect(try await client.request(.get, "/v1/events?wait=61").error["code"] == "invalid_query")
            #expect(try await client.request(.get, "/v1/events?type=order.nope").error["code"] == "invalid_query")
        }
    }

    @Test("endpoint URLs must be http or https with a host name or IP address and no credentials")
    func endpointValidation() async throws {
        let harness = try APIHarness()
        try await harness.run { client in
            for url in ["ftp://shop.example/hooks", "/hooks", "https://user:pw@shop.example/hooks", "http:///x", "https://shop*.example/hooks"] {
                let refused = try await client.request(.post, "/v1/endpoints", json: #"{"url":"\#(url)"}"#)
                #expect(refused.status == 400)
                #expect(refused.error["code"] == "invalid_url")
            }
            for url in ["HTTPS://Shop-1.example:8443/hooks?x=1", "http://10.0.0.7/h", "http://[fd00::1]:8080/h"] {
                #expect(try await client.request(.post, "/v1/endpoints", json: #"{"url":"\#(url)"}"#).status == 201, "\(url)")
            }
            let badType = try await client.request(.post, "/v1/endpoints", json: #"{"url":"https://shop.example/h","types":["order.shipped"]}"#)
            #expect(badType.error["code"] == "invalid_field")
            #expect(try await client.request(.delete, "/v1/endpoints/ep_none").status == 404)
            #expect(try await client.request(.post, "/v1/events/evt_none/redeliver").status == 404)
        }
    }
}

import Hummingbird
import HummingbirdTesting
import PaySyncEngine
import PaySyncStore
import Synchronization
import Testing

@Suite("Event metrics")
struct EventMetricsTests {
    @Test("/metrics counts events written, attempts by outcome and endpoints by state")
    func metrics() async throws {
        let shop = Router()
        shop.post("events") { _, _ in Response(status: .noContent) }
        shop.post("failing") { _, _ in Response(status: .internalServerError) }
        try await Application(router: shop).test(.live) { shopClient in
            let harness = try APIHarness()
            try await harness.run { client in
                let port = try #require(shopClient.port)
                var ids: [String] = []
                for url in ["http://127.0.0.1:\(port)/events", "http://127.0.0.1:\(port)/failing"] {
                    let made = try await client.request(.post, "/v1/endpoints", json: #"{"url":"\#(url)","description":"shop"}"#)
                    ids.append(try #require(made.json["id"] as? String))
                }
                #expect(try await client.create(number: "A-1").status == 201)
                #expect(try await client.create(number: "A-2").status == 201)
                // Each order.pending to both endpoints: one takes them, the other answers 500.
                #expect(try await client.instance.deliverer.deliverDue() == 4)
                #expect(try await client.request(.patch, "/v1/endpoints/\(ids[1])", json: #"{"enabled":false}"#).status == 200)
                let text = try await client.request(.get, "/metrics", token: nil).text
                let lines = Set(text.split(separator: "\n").map(String.init))
                #expect(lines.contains("paysync_events_written 2.0"))
                #expect(lines.contains(#"paysync_event_attempts_total{outcome="delivered"} 2"#))
                #expect(lines.contains(#"paysync_event_attempts_total{outcome="retry"} 2"#))
                #expect(lines.contains(#"paysync_endpoints{state="enabled",reason=""} 1.0"#))
                #expect(lines.contains(#"paysync_endpoints{state="disabled",reason="operator"} 1.0"#))
                #expect(lines.contains(#"paysync_event_delivery_lag_seconds_count 2"#))
                // Enabled again: the disabled count drops to 0 rather than vanishing.
                #expect(try await client.request(.patch, "/v1/endpoints/\(ids[1])", json: #"{"enabled":true}"#).status == 200)
                let again = Set(try await client.request(.get, "/metrics", token: nil).text.split(separator: "\n").map(String.init))
                #expect(again.contains(#"paysync_endpoints{state="enabled",reason=""} 2.0"#))
                #expect(again.contains(#"paysync_endpoints{state="disabled",reason="operator"} 0.0"#))
            }
        }
    }
}

@Suite("Endpoints on a PaySync that refuses private addresses")
struct PrivateEndpointTests {
    @Test("a URL whose host stands for a loopback address in another spelling is taken, but no attempt reaches it: each fails as private_address")
    func privateAtDelivery() async throws {
        let reached = Mutex(0)
        let shop = Router()
        shop.post("events") { _, _ in
            reached.withLock { $0 += 1 }
            return Response(status: .noContent)
        }
        try await Application(router: shop).test(.live) { shopClient in
            let harness = try APIHarness(endpointRules: EndpointService.Rules(allowPrivateAddresses: false))
            try await harness.run { client in
                let port = try #require(shopClient.port)
                let refused = try await client.request(.post, "/v1/endpoints", json: #"{"url":"http://127.0.0.1:\#(port)/events"}"#)
                #expect(refused.status == 400)
                #expect(refused.error["code"] == "private_address")
                let made = try await client.request(.post, "/v1/endpoints", json: #"{"url":"http://127.1:\#(port)/events"}"#)
                #expect(made.status == 201)
                #expect(try await client.create(number: "A-1").status == 201)
                #expect(try await client.instance.deliverer.deliverDue() == 1)
                let event = try #require(try await client.instance.store.events(EventQuery(account: .default)).events.first)
                let attempts = try await client.request(.get, "/v1/events/\(event.id)/attempts").json["attempts"] as? [[String: Any]]
                let error = try #require(attempts?.first?["error"] as? String)
                #expect(error.hasPrefix("unreachable: private_address: 127.1 resolves to 127.0.0.1"))
                #expect(reached.withLock { $0 } == 0)
            }
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Gateway call metrics and the metrics token")
struct GatewayMetricsTests {
    @Test("every gateway call is counted by gateway, operation and outcome, with its latency")
    func countsCalls() async throws {
        let api = try APIHarness()
        try await api.run { client in
            #expect(try await client.create().status == 201)
            #expect(try await client.create(number: "A-1002", amount: "20.00", currency: "AED", provider: "payby").status == 201)
            let metrics = try await client.request(.get, "/metrics", token: nil).text
            #expect(metrics.contains(#"paysync_gateway_calls_total{gateway="codepay",operation="create_payment",outcome="answered"} 1"#))
            #expect(metrics.contains(#"paysync_gateway_calls_total{gateway="payby",operation="create_payment",outcome="answered"} 1"#))
            #expect(metrics.contains(#"paysync_gateway_call_duration_seconds_count{gateway="codepay",operation="create_payment"} 1"#))
        }
    }

    @Test("a call that gets no answer is counted by its failure")
    func countsFailures() async throws {
        let api = try APIHarness(gatewaysReachable: false)
        try await api.run { client in
            #expect(try await client.create().status == 202)
            let metrics = try await client.request(.get, "/metrics", token: nil).text
            #expect(metrics.contains(#"paysync_gateway_calls_total{gateway="codepay",operation="create_payment",outcome="unreachable"} 1"#))
        }
    }

    @Test("with metrics.token, /metrics needs that token; the API's token does not open it")
    func metricsToken() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let router = client.instance.router(apiToken: APIHarness.token, metricsToken: "scrape-token")
            try await Application(router: router).test(.router) { scraper in
                let open = try await scraper.execute(uri: "/metrics", method: .get)
                #expect(open.status == .unauthorized)
                let withAPIToken = try await scraper.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(APIHarness.token)"])
                #expect(withAPIToken.status == .unauthorized)
                let scraped = try await scraper.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer scrape-token"])
                #expect(scraped.status == .ok)
                #expect(String(buffer: scraped.body).contains("paysync_events_written"))
            }
        }
    }
}

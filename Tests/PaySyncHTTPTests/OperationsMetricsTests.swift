import Foundation
import Testing

@Suite("Operations metrics and the console's stuck page")
struct OperationsMetricsTests {
    /// A CodePay order whose gateway never answers, checked three times a minute apart: stuck.
    static func stuckOrder(_ api: APIHarness, _ client: APIClient) async throws {
        #expect(try await client.create().status == 202)
        for _ in 0..<3 {
            api.clock.advance(milliseconds: 60_000)
            _ = try await client.reconciler.runDueChecks()
        }
    }

    @Test("/metrics reports checks scheduled, due and overdue, stuck orders, open review items by reason and checks run")
    func gauges() async throws {
        // Unreachable, the gateway is given up on after 300 ms (AsyncHTTPClient retries a refused
        // connection until the deadline).
        let api = try APIHarness(gatewaysReachable: false, gatewayTimeoutMilliseconds: 300)
        try await api.run { client in
            try await Self.stuckOrder(api, client)
            var metrics = try await client.request(.get, "/metrics", token: nil).text
            #expect(metrics.contains(#"paysync_checks{state="scheduled"} 1"#))
            #expect(metrics.contains(#"paysync_checks{state="due"} 0"#))
            #expect(metrics.contains("paysync_orders_stuck 1"))
            #expect(metrics.contains("paysync_checks_run_total 3"))
            #expect(metrics.contains(#"paysync_review_items_open{reason="amount_mismatch"} 0"#))
            #expect(metrics.contains("paysync_deliveries_failed 0"))
            // The reconciler stops: the check falls due, then overdue a minute later.
            api.clock.advance(milliseconds: 600_000)
            metrics = try await client.request(.get, "/metrics", token: nil).text
            #expect(metrics.contains(#"paysync_checks{state="due"} 1"#))
            #expect(metrics.contains(#"paysync_checks{state="overdue"} 1"#))
        }
    }

    @Test("the stuck page lists an order its gateway does not answer, and its overdue check")
    func stuckPage() async throws {
        // Unreachable, the gateway is given up on after 300 ms (AsyncHTTPClient retries a refused
        // connection until the deadline).
        let api = try APIHarness(gatewaysReachable: false, gatewayTimeoutMilliseconds: 300)
        try await api.run { client in
            try await Self.stuckOrder(api, client)
            api.clock.advance(milliseconds: 600_000)
            _ = try await client.instance.operators.add(name: "vic", role: .viewer, password: ConsoleTests.password)
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("vic", ConsoleTests.password)
            let id = try #require(try await api.order("A-1001")?.id.rawValue)
            let page = try await browser.get("/console/stuck")
            #expect(page.status == 200)
            #expect(page.text.contains(#"<tr><td><a href="/console/orders/\#(id)">A-1001</a></td><td>codepay</td><td class="status s-created">created</td><td class="num">3</td>"#))
            #expect(page.text.contains("<td>9m</td><td class=\"num\">3</td></tr>"))
            let order = try await browser.get("/console/orders/\(id)")
            #expect(order.text.contains(#"<dd id="next-check">"#))
            #expect(order.text.contains("(rung 0, 3 failed in a row)</dd>"))
            let home = try await browser.get("/console")
            #expect(home.text.contains(#"<div class="n" id="stuck-orders">1</div>"#))
            #expect(home.text.contains(#"<div class="n" id="checks-due">1</div>checks due (1 overdue)"#))
        }
    }
}

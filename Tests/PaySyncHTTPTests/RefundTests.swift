import Foundation
import PaySyncCore
import PaySyncEngine
import PaySyncStore
import Testing

@Suite("Refunds")
struct RefundTests {
    @Test("partial refunds are accepted up to the paid amount; one more cent is refused")
    func overLimitRefused() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create().order["id"] as? String)
            try await api.sandbox.pay("codepay", "A-1001")
            await api.deliver()
            let first = try await client.request(.post, "/v1/orders/\(id)/refunds", json: #"{"amount":"60.00","reason":"one item returned","refundNumber":"RF-1"}"#)
            #expect(first.status == 201)
            #expect(first.json["status"] as? String == "processing")
            #expect(first.json["amountMinor"] as? Int == 6_000)
            let tooMuch = try await client.request(.post, "/v1/orders/\(id)/refunds", json: #"{"amount":"40.51","reason":"x"}"#)
            #expect(tooMuch.status == 409)
            #expect(tooMuch.error["code"] == "refund_exceeds_paid")
            #expect(tooMuch.error["message"] == "at most 40.50 USD of 100.50 USD can still be refunded")
            let rest = try await client.request(.post, "/v1/orders/\(id)/refunds", json: #"{"amount":"40.50","reason":"the rest"}"#)
            #expect(rest.status == 201)
            let again = try await client.request(.post, "/v1/orders/\(id)/refunds", json: #"{"amount":"0.01","reason":"x","refundNumber":"RF-1"}"#)
            #expect(again.status == 409)
            let listed = try await client.request(.get, "/v1/orders/\(id)/refunds")
            #expect((listed.json["refunds"] as? [[String: Any]])?.count == 2)
        }
    }

    @Test("an unpaid order cannot be refunded")
    func unpaidRefused() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create().order["id"] as? String)
            let refused = try await client.request(.post, "/v1/orders/\(id)/refunds", json: #"{"amount":"1.00","reason":"x"}"#)
            #expect(refused.status == 409)
            #expect(refused.error["code"] == "order_not_paid")
        }
    }

    @Test("a refund callback moves the refund to its final state, once")
    func refundCallback() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create().order["id"] as? String)
            try await api.sandbox.pay("codepay", "A-1001")
            await api.deliver()
            _ = try await client.request(.post, "/v1/orders/\(id)/refunds", json: #"{"amount":"10.00","reason":"x","refundNumber":"RF-7"}"#)
            try await api.sandbox.finishRefund("codepay", "RF-7")
            await api.deliver()
            let orderID = try #require(OrderID(rawValue: id))
            let refunds = try await api.store.refunds(orderID: orderID)
            #expect(refunds.map(\.status) == [.succeeded])
            #expect(refunds.first?.nextCheckAt == nil)
            #expect(await api.sandbox.deliveries().map(\.outcome) == [.acknowledged, .acknowledged])
            #expect(try await api.store.audit(orderID: orderID).contains { $0.summary == "refund callback codepay 2 -> applied" })
        }
    }

    @Test("refunds due together are followed up concurrently, at most perGatewayConcurrency at a time")
    func followUpsConcurrent() async throws {
        let api = try APIHarness()
        try await api.run { client in
            for index in 1...5 {
                let id = try #require(try await client.create(number: "A-100\(index)").order["id"] as? String)
                try await api.sandbox.pay("codepay", "A-100\(index)")
                await api.deliver()
                let refund = try await client.request(.post, "/v1/orders/\(id)/refunds", json: #"{"amount":"10.00","reason":"x","refundNumber":"RF-\#(index)"}"#)
                #expect(refund.json["status"] as? String == "processing")
            }
            api.clock.advance(milliseconds: 30_000)
            // Each query is held 20 ms: one at a time, five would never overlap.
            let counting = InFlightTransport()
            let gateways = GatewayClient(directory: client.reconciler.gateways.directory, transport: counting, clock: api.clock)
            var policy = ReconcilerPolicy()
            policy.perGatewayConcurrency = 3
            let reconciler = Reconciler(
                store: api.store, gateways: gateways, clock: api.clock, schedules: OrderPolicy(), policy: policy,
                refunds: RefundService(store: api.store, gateways: gateways, clock: api.clock, callbacks: api.callbacks), owner: "refunds")
            #expect(try await reconciler.runDueChecks() == 5)
            #expect(counting.tally == InFlightTransport.Tally(calls: 5, inFlight: 0, peak: 3))
        }
    }

    @Test("a PROCESSING refund is followed up at the gateway until it is final")
    func processingFollowedToFinal() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create().order["id"] as? String)
            try await api.sandbox.pay("codepay", "A-1001")
            await api.deliver()
            let refund = try await client.request(.post, "/v1/orders/\(id)/refunds", json: #"{"amount":"10.00","reason":"x","refundNumber":"RF-9"}"#)
            #expect(refund.json["status"] as? String == "processing")
            // Still processing at the first follow-up.
            api.clock.advance(milliseconds: 30_000)
            try await client.reconciler.runDueChecks()
            let orderID = try #require(OrderID(rawValue: id))
            #expect(try await api.store.refunds(orderID: orderID).map(\.status) == [.processing])
            // The bank finishes; its callback is lost; the next follow-up finds it.
            try await api.sandbox.finishRefund("codepay", "RF-9")
            api.clock.advance(milliseconds: 30_000)
            try await client.reconciler.runDueChecks()
            let refunds = try await api.store.refunds(orderID: orderID)
            #expect(refunds.map(\.status) == [.succeeded])
            #expect(refunds.first?.nextCheckAt == nil)
            let calls = try await api.store.audit(orderID: orderID).filter { $0.kind == .outbound }.map { $0.operation ?? "-" }
            #expect(calls == ["create_payment", "submit_refund", "query_refund", "query_refund"])
        }
    }
}

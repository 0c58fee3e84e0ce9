import Foundation
import PaySyncCore
import PaySyncStore
import Testing

/// `POST /v1/orders/{id}/utr` against the sandbox's PayZApp, over loopback.
@Suite("UTR report and repair")
struct UTRTests {
    static func body(_ utr: String) -> String { #"{"utr":"\#(utr)"}"# }

    @Test("a customer's unlinked UPI payment of the order's amount is repaired at the gateway; the order is paid by the gateway's word, every step audited")
    func repairsMatchingPayment() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create(amount: "15.25", currency: "INR", provider: "payzapp").order["id"] as? String)
            let utr = await api.sandbox.payByUPI(Money(minorUnits: 1_525, currency: .INR))
            let answer = try await client.request(.post, "/v1/orders/\(id)/utr", json: Self.body(utr))
            #expect(answer.status == 202)
            #expect(answer.json["decision"] as? String == "repair_requested")
            let gateway = try #require(answer.json["gateway"] as? [String: Any])
            #expect(gateway["settled"] as? Bool == false)
            #expect(gateway["merchantOrderNumber"] == nil)
            #expect((gateway["amount"] as? [String: Any])?["amountMinor"] as? Int == 1_525)
            // The repair's query already found the payment; the order says so.
            #expect(answer.order["status"] as? String == "paid")
            #expect(await api.sandbox.ledger.upiCredit(utr: utr)?.linkedTo == "A-1001")
            let order = try #require(try await api.order("A-1001"))
            #expect(try await api.store.events(orderID: order.id).last.map { "\($0.kind) \($0.source.rawValue)" } == "paid query")
            let steps = try await api.store.audit(orderID: order.id).compactMap(\.operation).filter { ["report_utr", "query_utr", "decide_utr", "repair_utr"].contains($0) }
            #expect(steps == ["report_utr", "query_utr", "decide_utr", "repair_utr", "report_utr"])
            // The gateway's own callback then changes nothing more.
            await api.deliver()
            #expect(try await api.order("A-1001")?.version == order.version)
        }
    }

    @Test("a UTR of another amount is shown but never repaired; the order stays unpaid")
    func refusesOtherAmount() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create(amount: "15.25", currency: "INR", provider: "payzapp").order["id"] as? String)
            let utr = await api.sandbox.payByUPI(Money(minorUnits: 1_500, currency: .INR))
            let answer = try await client.request(.post, "/v1/orders/\(id)/utr", json: Self.body(utr))
            #expect(answer.status == 200)
            #expect(answer.json["decision"] as? String == "amount_mismatch")
            #expect(answer.json["message"] as? String == "UTR \(utr) carries 15.00 INR; the order is 15.25 INR")
            #expect(answer.order["status"] as? String == "pending")
            #expect(await api.sandbox.ledger.upiCredit(utr: utr)?.linkedTo == nil)
            let order = try #require(try await api.order("A-1001"))
            #expect(try await api.store.audit(orderID: order.id).contains { $0.operation == "repair_utr" } == false)
        }
    }

    @Test("a UTR the gateway does not know, a malformed UTR, and a gateway without UTRs are answered without a repair")
    func unknownAndInvalid() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create(amount: "15.25", currency: "INR", provider: "payzapp").order["id"] as? String)
            let unknown = try await client.request(.post, "/v1/orders/\(id)/utr", json: Self.body("123456789012"))
            #expect(unknown.status == 200)
            #expect(unknown.json["decision"] as? String == "unknown_at_gateway")
            #expect(unknown.json["message"] as? String == "payzapp refused the UTR query (2001): order not found")
            let malformed = try await client.request(.post, "/v1/orders/\(id)/utr", json: Self.body("12 34&x=1"))
            #expect(malformed.status == 400)
            #expect(malformed.error["code"] == "invalid_utr")
            #expect(malformed.error["field"] == "utr")
            #expect(try await client.request(.post, "/v1/orders/\(id)/utr", json: #"{"utr":12}"#).status == 400)
            let codePayID = try #require(try await client.create(number: "C-1").order["id"] as? String)
            let codePay = try await client.request(.post, "/v1/orders/\(codePayID)/utr", json: Self.body("123456789012"))
            #expect(codePay.status == 400)
            #expect(codePay.error["code"] == "utr_unsupported")
            #expect(try await client.request(.post, "/v1/orders/ord_nothing/utr", json: Self.body("123456789012")).status == 404)
        }
    }
}

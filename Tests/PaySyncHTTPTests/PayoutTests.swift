import Foundation
import GRDB
import PaySyncCore
import PaySyncStore
@testable import PaySyncSQLite
import Testing

@Suite("Payouts")
struct PayoutTests {
    static func body(number: String = "PO-1", amount: String = "500.00", provider: String = "payzapp", currency: String = "INR") -> String {
        #"{"provider":"\#(provider)","payoutNumber":"\#(number)","amount":"\#(amount)","currency":"\#(currency)","channel":"IMPS","beneficiary":{"accountNumber":"001234567890","accountName":"A Kumar","bankCode":"HDFC0000001","bank":"HDFC","phone":"9800000000"}}"#
    }

    @Test("a payout is submitted under our number and followed to success by the gateway's callback")
    func callbackFinishes() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let created = try await client.request(.post, "/v1/payouts", json: Self.body())
            #expect(created.status == 201)
            #expect(created.json["status"] as? String == "processing")
            #expect(created.json["amountMinor"] as? Int == 50_000)
            #expect((created.json["gatewayPayoutNumber"] as? String)?.hasPrefix("PO") == true)
            let id = try #require(created.json["id"] as? String)
            #expect(await api.sandbox.ledger.payout(number: "PO-1")?.amount == Money(minorUnits: 50_000, currency: .INR))
            try await api.sandbox.finishPayout("PO-1")
            await api.deliver()
            let read = try await client.request(.get, "/v1/payouts/\(id)")
            #expect(read.json["status"] as? String == "succeeded")
            #expect(try await api.store.payout(id: id)?.nextCheckAt == nil)
        }
    }

    @Test("a payout whose callbacks are all lost is followed up by query until final")
    func queryFinishes() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.request(.post, "/v1/payouts", json: Self.body()).json["id"] as? String)
            try await api.sandbox.finishPayout("PO-1", succeeded: false)
            // The callback is never delivered; the follow-up 30 s later asks the gateway.
            api.clock.advance(milliseconds: 30_000)
            try await client.reconciler.runDueChecks()
            let payout = try #require(try await api.store.payout(id: id))
            #expect(payout.status == .failed)
            #expect(payout.nextCheckAt == nil)
        }
    }

    @Test("the same payout number is the same payout; another amount is a conflict; a gateway without payouts is refused")
    func idempotentAndRefused() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let first = try await client.request(.post, "/v1/payouts", json: Self.body())
            let again = try await client.request(.post, "/v1/payouts", json: Self.body())
            #expect(again.status == 200)
            #expect(again.json["id"] as? String == first.json["id"] as? String)
            #expect(await api.sandbox.ledger.balance()["INR"] == 100_000_000 - 50_000)
            let other = try await client.request(.post, "/v1/payouts", json: Self.body(amount: "501.00"))
            #expect(other.status == 409)
            #expect(other.error["code"] == "payout_number_conflict")
            let codePay = try await client.request(.post, "/v1/payouts", json: Self.body(number: "PO-2", provider: "codepay", currency: "USD"))
            #expect(codePay.status == 400)
            #expect(codePay.error["code"] == "payouts_unsupported")
            #expect(try await api.store.payout(account: .default, number: "PO-2") == nil)
        }
    }

    @Test("a payout larger than the gateway's balance is refused 409 before anything is stored or sent; the check is audited")
    func insufficientBalance() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let refused = try await client.request(.post, "/v1/payouts", json: Self.body(amount: "2000000.00"))
            #expect(refused.status == 409)
            #expect(refused.error["code"] == "insufficient_balance")
            #expect(refused.error["message"] == "the payzapp balance is 1000000.00 INR, less than 2000000.00 INR; nothing was sent")
            let audit = try await api.store.pool.read { db in
                try String.fetchAll(db, sql: "SELECT operation || ' ' || outcome || ': ' || summary FROM audit_log WHERE order_id IS NULL ORDER BY seq")
            }
            #expect(audit == [
                "balance answered: payzapp balance -> balance 1000000.00 BRL, 1000000.00 INR, 100000.000000 USDT",
                "check_balance insufficient_balance: payout PO-1 of 2000000.00 INR refused: the payzapp balance is 1000000.00 INR",
            ])
            #expect(try await api.store.payout(account: .default, number: "PO-1") == nil)
            #expect(await api.sandbox.ledger.payout(number: "PO-1") == nil)
            #expect(await api.sandbox.ledger.balance()["INR"] == 100_000_000)
        }
    }

    @Test("a payout in a currency the balance does not list goes to the gateway, whose refusal ends it failed at once")
    func refusedFails() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let refused = try await client.request(.post, "/v1/payouts", json: Self.body(amount: "10.00", currency: "USD"))
            #expect(refused.status == 201)
            #expect(refused.json["status"] as? String == "failed")
            #expect(await api.sandbox.ledger.payout(number: "PO-1") == nil)
        }
    }

    @Test("GET /v1/providers/{provider}/balance reads the gateway's balances now; a gateway without one is refused")
    func balance() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let read = try await client.request(.get, "/v1/providers/payzapp/balance?account=default")
            #expect(read.status == 200)
            #expect(read.text == #"{"account":"default","balances":[{"amount":"1000000.00","amountMinor":100000000,"currency":"BRL"},"#
                + #"{"amount":"1000000.00","amountMinor":100000000,"currency":"INR"},{"amount":"100000.000000","amountMinor":100000000000,"currency":"USDT"}],"provider":"payzapp"}"#)
            let codePay = try await client.request(.get, "/v1/providers/codepay/balance")
            #expect(codePay.status == 400)
            #expect(codePay.error["code"] == "balance_unsupported")
            #expect(try await client.request(.get, "/v1/providers/nopay/balance").error["code"] == "provider_not_configured")
            #expect(try await client.request(.get, "/v1/providers/payzapp/balance?acount=x").error["code"] == "invalid_query")
            #expect(try await client.request(.get, "/v1/providers/payzapp/balance", token: nil).status == 401)
        }
    }
}

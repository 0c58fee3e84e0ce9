import PaySyncCore
import PaySyncEngine
import PaySyncGateways
import PaySyncSandbox
import Testing

/// Each adapter against the sandbox over real HTTP on loopback, for every operation it supports.
@Suite("Adapters against the sandbox")
struct GatewayRoundTripTests {
    static let payments: [(String, Money)] = [
        ("codepay", Money(minorUnits: 10_010, currency: .USD)),
        ("payby", Money(minorUnits: 10_010, currency: .AED)),
        ("newpay", Money(minorUnits: 2_500_000, currency: .LAK)),
        ("payzapp", Money(minorUnits: 10_010, currency: .INR)),
    ]

    @Test("create, pay through the control API, receive the signed callback, query paid", arguments: payments)
    func createPayCallbackQuery(_ provider: String, _ amount: Money) async throws {
        try await Harness.run { h in
            let created = await h.perform(.createPayment(PaymentCreation(merchantOrderNumber: "A-1001", amount: amount, subject: "T-shirt", notifyURL: h.notifyURL(provider))), provider)
            guard case .answered(.paymentCreated(let payment)) = created else { Issue.record("create: \(created)"); return }
            #expect(!payment.gatewayOrderNumber.isEmpty)

            let pending = await h.perform(.queryPayment(PaymentReference(merchantOrderNumber: "A-1001")), provider)
            guard case .answered(.payment(let before)) = pending else { Issue.record("query: \(pending)"); return }
            #expect(before.state == (provider == "newpay" ? .processing : .pending))

            try await h.sandbox.pay(provider, "A-1001")
            await h.sandbox.deliverDueCallbacks()
            let events = await h.receiver.events
            #expect(events.count == 1)
            guard case .payment(let report)? = events.first?.event.subject else { Issue.record("no payment callback"); return }
            #expect(report.merchantOrderNumber == "A-1001")
            #expect(report.state == .paid)
            #expect(report.amount == amount)
            #expect(report.gatewayOrderNumber == payment.gatewayOrderNumber)
            #expect(await h.sandbox.deliveries().map(\.outcome) == [.acknowledged])

            let paid = await h.perform(.queryPayment(PaymentReference(merchantOrderNumber: "A-1001")), provider)
            guard case .answered(.payment(let after)) = paid else { Issue.record("query: \(paid)"); return }
            #expect(after.state == .paid)
            #expect(after.amount == amount)
        }
    }

    @Test("cancel closes an unpaid order and answers already-paid for a paid one", arguments: ["codepay", "payby"])
    func cancel(_ provider: String) async throws {
        try await Harness.run { h in
            let amount = Money(minorUnits: 500, currency: provider == "payby" ? .AED : .USD)
            for number in ["C-1", "C-2"] {
                _ = await h.perform(.createPayment(PaymentCreation(merchantOrderNumber: number, amount: amount, subject: "x", notifyURL: h.notifyURL(provider))), provider)
            }
            guard case .answered(.cancel(.closed)) = await h.perform(.cancelPayment(PaymentReference(merchantOrderNumber: "C-1")), provider) else {
                Issue.record("cancel of an unpaid order did not close it"); return
            }
            #expect(await h.sandbox.ledger.payment(provider: provider, number: "C-1")?.status == .canceled)
            try await h.sandbox.pay(provider, "C-2")
            guard case .answered(.cancel(.alreadyPaid)) = await h.perform(.cancelPayment(PaymentReference(merchantOrderNumber: "C-2")), provider) else {
                Issue.record("cancel of a paid order did not answer already paid"); return
            }
            #expect(await h.sandbox.ledger.payment(provider: provider, number: "C-2")?.status == .paid)
        }
    }

    @Test("refund submit, refund query, refund callback when the bank finishes", arguments: ["codepay", "payby", "newpay"])
    func refund(_ provider: String) async throws {
        try await Harness.run { h in
            let currency: Currency = provider == "payby" ? .AED : provider == "newpay" ? .CNY : .USD
            let amount = Money(minorUnits: 10_000, currency: currency)
            guard case .answered(.paymentCreated(let created)) = await h.perform(.createPayment(PaymentCreation(merchantOrderNumber: "R-1", amount: amount, subject: "x", notifyURL: h.notifyURL(provider))), provider) else {
                Issue.record("create failed"); return
            }
            try await h.sandbox.pay(provider, "R-1")
            let submission = RefundSubmission(
                refundNumber: "RF-1", merchantOrderNumber: "R-1", gatewayOrderNumber: created.gatewayOrderNumber, amount: Money(minorUnits: 4_000, currency: currency),
                orderAmount: amount, reason: "returned", notifyURL: h.notifyURL(provider))
            guard case .answered(.refund(let submitted)) = await h.perform(.submitRefund(submission), provider) else { Issue.record("refund submit failed"); return }
            #expect(submitted.state == .processing)
            #expect(submitted.amount == Money(minorUnits: 4_000, currency: currency))

            var tooMuch = submission
            tooMuch.refundNumber = "RF-2"
            tooMuch.amount = Money(minorUnits: 6_001, currency: currency)
            guard case .refused = await h.perform(.submitRefund(tooMuch), provider) else { Issue.record("an over-limit refund was not refused"); return }

            try await h.sandbox.finishRefund(provider, "RF-1")
            await h.sandbox.deliverDueCallbacks()
            let refunds = await h.receiver.events.compactMap { entry -> RefundReport? in
                if case .refund(let report) = entry.event.subject { return report } else { return nil }
            }
            #expect(refunds.map(\.state) == [.succeeded])
            #expect(refunds.first?.refundNumber == "RF-1")
            guard case .answered(.refund(let queried)) = await h.perform(.queryRefund(RefundReference(refundNumber: "RF-1")), provider) else { Issue.record("refund query failed"); return }
            #expect(queried.state == .succeeded)
        }
    }

    @Test("PayZApp: payout, payout query, payout callback, UTR query and repair, balance")
    func payZAppTransfers() async throws {
        try await Harness.run { h in
            let payee = Payee(accountNumber: "1234567890", accountName: "A. Kumar", bankCode: "HDFC0000001", bank: "HDFC", phone: "9999999999")
            let payout = PayoutSubmission(payoutNumber: "PO-1", amount: Money(minorUnits: 50_000, currency: .INR), payee: payee, channel: "IMPS", notifyURL: h.notifyURL("payzapp"))
            guard case .answered(.payout(let submitted)) = await h.perform(.submitPayout(payout), "payzapp") else { Issue.record("payout failed"); return }
            #expect(submitted.state == .processing)
            try await h.sandbox.finishPayout("PO-1")
            await h.sandbox.deliverDueCallbacks()
            guard case .payout(let report)? = await h.receiver.events.last?.event.subject else { Issue.record("no payout callback"); return }
            #expect(report.state == .succeeded)
            guard case .answered(.payout(let queried)) = await h.perform(.queryPayout(PayoutReference(payoutNumber: "PO-1")), "payzapp") else { Issue.record("payout query failed"); return }
            #expect(queried.state == .succeeded)

            _ = await h.perform(.createPayment(PaymentCreation(merchantOrderNumber: "U-1", amount: Money(minorUnits: 2_000, currency: .INR), subject: "x", notifyURL: h.notifyURL("payzapp"))), "payzapp")
            let payment = try #require(await h.sandbox.ledger.payment(provider: "payzapp", number: "U-1"))
            let utr = Sandbox.utr(of: payment)
            guard case .answered(.utr(let unsettled)) = await h.perform(.queryUTR(utr: utr), "payzapp") else { Issue.record("utr query failed"); return }
            #expect(unsettled == UTRReport(utr: utr, settled: false, amount: Money(minorUnits: 2_000, currency: .INR), merchantOrderNumber: "U-1"))
            guard case .answered(.utrRepair(accepted: true, _)) = await h.perform(.repairUTR(utr: utr, merchantOrderNumber: "U-1"), "payzapp") else { Issue.record("utr repair failed"); return }
            guard case .answered(.utr(let settled)) = await h.perform(.queryUTR(utr: utr), "payzapp") else { Issue.record("utr query failed"); return }
            #expect(settled.settled)

            guard case .answered(.balance(let balances)) = await h.perform(.balance, "payzapp") else { Issue.record("balance failed"); return }
            #expect(balances.contains(Money(minorUnits: 100_000_000 - 50_000 + 2_000, currency: .INR)))
        }
    }

    @Test("a request signed with another merchant key is refused by the sandbox as the gateway would", arguments: ["codepay", "payby", "newpay"])
    func badMerchantSignature(_ provider: String) async throws {
        try await Harness.run(merchantKey: RSASigningKey.generate()) { h in
            let outcome = await h.perform(.queryPayment(PaymentReference(merchantOrderNumber: "A-1")), provider)
            let expected = ["codepay": "SIGN_ERROR", "payby": "SIGN_ERROR", "newpay": "Z00007"][provider]!
            guard case .refused(let code, _) = outcome else { Issue.record("expected refusal, got \(outcome)"); return }
            #expect(code == expected)
        }
    }

    @Test("NewPay and PayZApp report cancel as unsupported without calling the gateway", arguments: ["newpay", "payzapp"])
    func cancelUnsupported(_ provider: String) async throws {
        try await Harness.run { h in
            let call = await h.client.perform(.cancelPayment(PaymentReference(merchantOrderNumber: "A-1")), provider: try ProviderID(provider), orderID: nil)
            guard case .failed(let failure) = call.outcome else { Issue.record("expected failure"); return }
            #expect(failure.kind == .unsupported)
            #expect(call.audit.kind == .outbound)
        }
    }

    @Test("an unknown order is a refusal in the gateway's words, not a failure", arguments: [("codepay", "ORDER_NOT_EXIST"), ("payby", "ORDER_NOT_EXIST"), ("newpay", "E9008"), ("payzapp", "2001")])
    func unknownOrder(_ provider: String, _ code: String) async throws {
        try await Harness.run { h in
            let outcome = await h.perform(.queryPayment(PaymentReference(merchantOrderNumber: "NOPE")), provider)
            guard case .refused(let got, _) = outcome else { Issue.record("expected refusal, got \(outcome)"); return }
            #expect(got == code)
        }
    }
}

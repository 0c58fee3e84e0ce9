import PaySyncCore
import PaySyncEngine
import PaySyncGateways
import Testing

@Suite("UTR decision")
struct UTRDecisionTests {
    static func report(settled: Bool = false, minor: Int64 = 10_050, currency: Currency = .USD, linked: String? = nil) -> UTRReport {
        UTRReport(utr: "700000000001", settled: settled, amount: Money(minorUnits: minor, currency: currency), merchantOrderNumber: linked)
    }

    static func decision(_ report: UTRReport, _ status: OrderStatus = .pending) -> String {
        let (decision, message) = UTRService.decide(report, for: CallbackDecisionTests.order(status: status))
        return "\(decision?.rawValue ?? "repair"): \(message)"
    }

    @Test("unlinked money of the order's exact amount and currency is repaired on an order open to payment, expired and failed ones included")
    func repairs() {
        for status in [OrderStatus.created, .pending, .failed, .expired] {
            #expect(Self.decision(Self.report(), status) == "repair: UTR 700000000001 matches the order and is unlinked; repair requested")
        }
    }

    @Test("another amount or currency, or no amount, is refused without asking the gateway")
    func amountMismatch() {
        #expect(Self.decision(Self.report(minor: 10_000)) == "amount_mismatch: UTR 700000000001 carries 100.00 USD; the order is 100.50 USD")
        #expect(Self.decision(Self.report(currency: .EUR)) == "amount_mismatch: UTR 700000000001 carries 100.50 EUR; the order is 100.50 USD")
        let none = UTRReport(utr: "700000000001", settled: false, amount: nil, merchantOrderNumber: nil)
        #expect(Self.decision(none) == "amount_mismatch: UTR 700000000001 carries no amount; the order is 100.50 USD")
    }

    @Test("money linked to another order is never moved; money linked to this one only asks for a query")
    func linked() {
        #expect(Self.decision(Self.report(settled: true, linked: "B-7")) == "linked_to_another_order: UTR 700000000001 is linked to order B-7")
        #expect(Self.decision(Self.report(settled: true, linked: "A-1001")) == "already_linked: UTR 700000000001 is linked to this order; the order is queried")
        #expect(Self.decision(Self.report(settled: false, linked: "A-1001")) == "already_linked: UTR 700000000001 is linked to this order; the order is queried")
    }

    @Test("an order paid or closed here is never repaired")
    func paidOrClosed() {
        #expect(Self.decision(Self.report(), .paid) == "already_paid: order A-1001 is paid already")
        #expect(Self.decision(Self.report(), .canceled) == "order_closed: order A-1001 is canceled; an operator decides about this money")
        #expect(Self.decision(Self.report(), .closing) == "order_closed: order A-1001 is closing; an operator decides about this money")
    }
}

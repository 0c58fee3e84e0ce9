import PaySyncCore
@testable import PaySyncEngine
import PaySyncGateways
import PaySyncStore
import Testing

/// The one decision function of ingestion (`Ingestor.decide`), as values: what a verified callback
/// leaves on its record — for a payment, one line on its order's timeline — decided without I/O.
@Suite("Callback decision")
struct CallbackDecisionTests {
    static let at = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)
    static let codepay = try! ProviderID("codepay")

    static func order(status: OrderStatus = .pending, provider: ProviderID = codepay) -> Order {
        var random = SystemRandomNumberGenerator()
        return Order(
            id: .make(at: at, using: &random), account: .default, merchantOrderNumber: try! MerchantOrderNumber("A-1001"), provider: provider,
            amount: Money(minorUnits: 10_050, currency: .USD), subject: "T-shirt", status: status, attempt: 1, version: 2,
            gatewayOrderNumber: "CP9001", createdAt: at, updatedAt: at)
    }

    static func paid(_ minor: Int64 = 10_050, _ currency: Currency = .USD) -> PaymentReport {
        PaymentReport(
            merchantOrderNumber: "A-1001", gatewayOrderNumber: "CP9001", state: .paid, providerStatus: "2",
            amount: Money(minorUnits: minor, currency: currency), merchantID: "M100")
    }

    /// The decision for a payment report against `order`, and its order change.
    static func decide(_ report: PaymentReport, _ order: Order?, inboxID: Int64) throws -> (CallbackDecision, OrderChange<Void>?) {
        let decision = try Ingestor.decide(.payment(report), about: order.map(CallbackRecord.order), provider: codepay, inboxID: inboxID, now: at)
        guard case .order(let change)? = decision.change else { return (decision, nil) }
        return (decision, change)
    }

    @Test("an applied callback is one event naming the gateway's status, the verdict and the inbox entry, and no audit row")
    func appliedIsOneEvent() throws {
        let (decision, proposed) = try Self.decide(Self.paid(), Self.order(), inboxID: 17)
        #expect(decision.verdict == .applied)
        let change = try #require(proposed)
        #expect(change.order?.status == .paid)
        #expect(change.events.map(\.evidence) == [
            Evidence(summary: "callback codepay 2 -> applied", providerStatus: "2", amount: Money(minorUnits: 10_050, currency: .USD), reference: "inbox:17")
        ])
        #expect(change.events.map(\.outcome) == [.applied])
        #expect(change.audit.isEmpty)
    }

    @Test("a callback that contradicts a terminal state is one review event with its reason, and no audit row")
    func contradictionIsOneReviewEvent() throws {
        let (decision, proposed) = try Self.decide(Self.paid(), Self.order(status: .canceled), inboxID: 18)
        #expect(decision.verdict == .review)
        #expect(decision.reason == "paid_after_canceled")
        let change = try #require(proposed)
        #expect(change.events.map(\.evidence.summary) == ["callback codepay 2 -> review (paid_after_canceled)"])
        #expect(change.reviews.map(\.reason) == [.paidAfterCanceled])
        #expect(change.audit.isEmpty)
    }

    @Test("another amount is one review event and a review item; the order does not move")
    func amountMismatchIsOneReviewEvent() throws {
        let (decision, proposed) = try Self.decide(Self.paid(10_051), Self.order(), inboxID: 19)
        #expect(decision.verdict == .review)
        let change = try #require(proposed)
        #expect(change.order == nil)
        #expect(change.events.map(\.evidence.summary) == ["callback codepay 2 -> review (amount_mismatch)"])
        #expect(change.reviews.map(\.detail) == ["callback states 100.51 USD; the order is 100.50 USD (inbox 19)"])
        #expect(change.audit.isEmpty)
    }

    @Test("a callback about another gateway's order cannot be one of its events: it is an audit row and a review item, and the order does not move")
    func otherGatewaysOrderIsAnAuditRow() throws {
        let order = Self.order(provider: try ProviderID("payby"))
        let (decision, proposed) = try Self.decide(Self.paid(), order, inboxID: 20)
        #expect(decision.verdict == .review)
        #expect(decision.reason == "provider_mismatch")
        let change = try #require(proposed)
        #expect(change.order == nil)
        #expect(change.events.isEmpty)
        #expect(change.audit == [
            AuditRecord(
                orderID: order.id, kind: .inbound, summary: "callback codepay 2 -> review (provider_mismatch)",
                detail: "inbox 20; gateway order CP9001; amount 100.50 USD", operation: "callback", outcome: "review", at: Self.at)
        ])
        #expect(change.reviews == [
            NewReviewItem(reason: .providerMismatch, detail: "a verified codepay callback names order A-1001, which is at payby (inbox 20)", at: Self.at)
        ])
    }

    @Test("a payment for a number no order has yet is parked as unknown_order, and changes nothing")
    func unknownOrderParked() throws {
        let (decision, change) = try Self.decide(Self.paid(), nil, inboxID: 21)
        #expect(decision.verdict == .parked)
        #expect(decision.reason == "unknown_order")
        #expect(decision.detail == "no order A-1001 yet")
        #expect(change == nil)
    }

    @Test("a refund callback moves its refund once, with one audit row; a stated amount that differs is review")
    func refundDecided() throws {
        let order = Self.order(status: .paid)
        let refund = Refund(
            id: "rfd_1", orderID: order.id, account: .default, provider: Self.codepay, refundNumber: "R-1", amount: Money(minorUnits: 500, currency: .USD),
            reason: "size", status: .processing, gatewayRefundNumber: nil, nextCheckAt: Self.at, failures: 0, createdAt: Self.at, updatedAt: Self.at)
        let report = { (minor: Int64) in
            RefundReport(refundNumber: "R-1", gatewayRefundNumber: "GR-1", merchantOrderNumber: "A-1001", state: .succeeded, providerStatus: "3", amount: Money(minorUnits: minor, currency: .USD))
        }
        let applied = try Ingestor.decide(.refund(report(500)), about: .refund(refund), provider: Self.codepay, inboxID: 30, now: Self.at)
        #expect(applied.verdict == .applied)
        guard case .refund(let updated?, let audit)? = applied.change else { Issue.record("no refund change: \(String(describing: applied.change))"); return }
        #expect(updated.status == .succeeded)
        #expect(updated.gatewayRefundNumber == "GR-1")
        #expect(audit.map(\.summary) == ["refund callback codepay 3 -> applied"])
        let mismatch = try Ingestor.decide(.refund(report(400)), about: .refund(refund), provider: Self.codepay, inboxID: 31, now: Self.at)
        #expect(mismatch.verdict == .review)
        #expect(mismatch.reason == "amount_mismatch")
        let unknown = try Ingestor.decide(.refund(report(500)), about: nil, provider: Self.codepay, inboxID: 32, now: Self.at)
        #expect(unknown.verdict == .parked)
        #expect(unknown.reason == "unknown_refund")
    }

    @Test("a record of another kind than the callback names is refused as a defect, never decided")
    func mismatchedRecordRefused() {
        let order = Self.order()
        #expect(throws: StoreError(.mismatchedRecord, "the store matched a record of another kind than the callback's target")) {
            let report = RefundReport(refundNumber: "R-1", gatewayRefundNumber: nil, merchantOrderNumber: nil, state: .succeeded, providerStatus: "3", amount: nil)
            _ = try Ingestor.decide(.refund(report), about: .order(order), provider: Self.codepay, inboxID: 40, now: Self.at)
        }
    }
}

import PaySyncCore
@testable import PaySyncEngine
import PaySyncGateways
import PaySyncStore
import Testing

/// What a verified payment callback leaves on its order's timeline: one line each, decided without I/O.
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

    @Test("an applied callback is one event naming the gateway's status, the verdict and the inbox entry, and no audit row")
    func appliedIsOneEvent() throws {
        let decision = Ingestor.decide(Self.paid(), for: Self.order(), provider: Self.codepay, inboxID: 17, now: Self.at)
        #expect(decision.verdict == .applied)
        let change = try #require(decision.change)
        #expect(change.order?.status == .paid)
        #expect(change.events.map(\.evidence) == [
            Evidence(summary: "callback codepay 2 -> applied", providerStatus: "2", amount: Money(minorUnits: 10_050, currency: .USD), reference: "inbox:17")
        ])
        #expect(change.events.map(\.outcome) == [.applied])
        #expect(change.audit.isEmpty)
    }

    @Test("a callback that contradicts a terminal state is one review event with its reason, and no audit row")
    func contradictionIsOneReviewEvent() throws {
        let decision = Ingestor.decide(Self.paid(), for: Self.order(status: .canceled), provider: Self.codepay, inboxID: 18, now: Self.at)
        #expect(decision.verdict == .review)
        #expect(decision.reason == "paid_after_canceled")
        let change = try #require(decision.change)
        #expect(change.events.map(\.evidence.summary) == ["callback codepay 2 -> review (paid_after_canceled)"])
        #expect(change.reviews.map(\.reason) == [.paidAfterCanceled])
        #expect(change.audit.isEmpty)
    }

    @Test("another amount is one review event and a review item; the order does not move")
    func amountMismatchIsOneReviewEvent() throws {
        let decision = Ingestor.decide(Self.paid(10_051), for: Self.order(), provider: Self.codepay, inboxID: 19, now: Self.at)
        #expect(decision.verdict == .review)
        let change = try #require(decision.change)
        #expect(change.order == nil)
        #expect(change.events.map(\.evidence.summary) == ["callback codepay 2 -> review (amount_mismatch)"])
        #expect(change.reviews.map(\.detail) == ["callback states 100.51 USD; the order is 100.50 USD (inbox 19)"])
        #expect(change.audit.isEmpty)
    }

    @Test("a callback about another gateway's order cannot be one of its events: it is an audit row, and the order does not move")
    func otherGatewaysOrderIsAnAuditRow() throws {
        let order = Self.order(provider: try ProviderID("payby"))
        let decision = Ingestor.decide(Self.paid(), for: order, provider: Self.codepay, inboxID: 20, now: Self.at)
        #expect(decision.verdict == .review)
        #expect(decision.reason == "provider_mismatch")
        let change = try #require(decision.change)
        #expect(change.order == nil)
        #expect(change.events.isEmpty)
        #expect(change.audit == [
            AuditRecord(
                orderID: order.id, kind: .inbound, summary: "callback codepay 2 -> review (provider_mismatch)",
                detail: "inbox 20; gateway order CP9001; amount 100.50 USD", at: Self.at)
        ])
    }
}

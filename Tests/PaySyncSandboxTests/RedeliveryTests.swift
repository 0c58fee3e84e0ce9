import PaySyncCore
import PaySyncGateways
import PaySyncSandbox
import Testing

/// Each gateway's redelivery schedule, asserted on the sandbox's injected clock: the receiver
/// never acknowledges, the test steps the clock to each due time.
@Suite("Redelivery schedules")
struct RedeliveryTests {
    static let schedules: [(String, Money, [Int64])] = [
        ("codepay", Money(minorUnits: 100, currency: .USD), [0, 5, 15, 30, 60, 120, 300, 900, 1_800, 3_600, 5_400, 7_200, 18_000, 28_800, 39_600]),
        ("payby", Money(minorUnits: 100, currency: .AED), [0, 120, 720, 1_320, 4_920, 12_120, 33_720, 87_720]),
        ("newpay", Money(minorUnits: 100, currency: .CNY), [0, 10, 310, 2_110]),
    ]

    @Test("a callback that is never acknowledged is retried on the gateway's schedule, then dropped", arguments: schedules)
    func schedule(_ provider: String, _ amount: Money, _ offsets: [Int64]) async throws {
        try await Harness.run { h in
            await h.receiver.set(acknowledge: false)
            _ = await h.perform(.createPayment(PaymentCreation(merchantOrderNumber: "S-1", amount: amount, subject: "x", notifyURL: h.notifyURL(provider))), provider)
            try await h.sandbox.pay(provider, "S-1")
            while true {
                await h.sandbox.deliverDueCallbacks()
                guard let next = await h.sandbox.nextDeliveryDue() else { break }
                h.clock.set(next)
            }
            let attempts = await h.sandbox.deliveries()
            #expect(attempts.map { ($0.at.millisecondsSinceEpoch - Harness.t0.millisecondsSinceEpoch) / 1_000 } == offsets)
            #expect(attempts.map(\.attempt) == Array(1...offsets.count))
            #expect(attempts.allSatisfy { $0.outcome == .notAcknowledged(status: 500) })
            #expect(await h.receiver.events.count == offsets.count)
        }
    }

    @Test("PayZApp retries every 60 seconds")
    func payZAppEveryMinute() async throws {
        try await Harness.run { h in
            await h.receiver.set(acknowledge: false)
            _ = await h.perform(.createPayment(PaymentCreation(merchantOrderNumber: "S-1", amount: Money(minorUnits: 100, currency: .INR), subject: "x", notifyURL: h.notifyURL("payzapp"))), "payzapp")
            try await h.sandbox.pay("payzapp", "S-1")
            for _ in 0..<6 {
                await h.sandbox.deliverDueCallbacks()
                h.clock.set(try #require(await h.sandbox.nextDeliveryDue()))
            }
            let offsets = await h.sandbox.deliveries().map { ($0.at.millisecondsSinceEpoch - Harness.t0.millisecondsSinceEpoch) / 1_000 }
            #expect(offsets == [0, 60, 120, 180, 240, 300])
            #expect(RedeliverySchedule.payZApp.gap(after: 1_440) == 60)
            #expect(RedeliverySchedule.payZApp.gap(after: 1_441) == nil)
        }
    }

    @Test("an acknowledged callback is not sent again")
    func acknowledgedStops() async throws {
        try await Harness.run { h in
            _ = await h.perform(.createPayment(PaymentCreation(merchantOrderNumber: "S-1", amount: Money(minorUnits: 100, currency: .USD), subject: "x", notifyURL: h.notifyURL("codepay"))), "codepay")
            try await h.sandbox.pay("codepay", "S-1")
            await h.sandbox.deliverDueCallbacks()
            #expect(await h.sandbox.nextDeliveryDue() == nil)
            h.clock.advance(milliseconds: 3_600_000)
            await h.sandbox.deliverDueCallbacks()
            #expect(await h.sandbox.deliveries().count == 1)
        }
    }
}

import PaySyncCore
import PaySyncGateways
import PaySyncSandbox
import Testing

@Suite("Seeded faults")
struct FaultTests {
    static func plan(seed: UInt64) -> FaultPlan {
        var rates = FaultPlan.Rates()
        rates.drop = 0.3
        rates.duplicate = 0.2
        rates.delay = 0.1
        rates.forge = 0.05
        rates.tamper = 0.02
        rates.queryTimeout = 0.05
        rates.queryServerError = 0.03
        rates.queryMalformed = 0.02
        return FaultPlan(seed: seed, rates: ["codepay": rates, "payby": rates, "newpay": rates, "payzapp": rates])
    }

    @Test("the same seed gives the same faults; another seed gives others")
    func deterministic() {
        let events = (0..<500).map { "payment/O-\($0)/paid/1" }
        let a = events.map { Self.plan(seed: 7).delivery(provider: "codepay", event: $0, attempt: 1) }
        let b = events.map { Self.plan(seed: 7).delivery(provider: "codepay", event: $0, attempt: 1) }
        let c = events.map { Self.plan(seed: 8).delivery(provider: "codepay", event: $0, attempt: 1) }
        #expect(a == b)
        #expect(a != c)
        let queries = (1...500).map { Self.plan(seed: 7).query(provider: "payby", order: "O-1", count: $0) }
        #expect(queries == (1...500).map { Self.plan(seed: 7).query(provider: "payby", order: "O-1", count: $0) })
    }

    @Test("fault frequencies follow the configured rates")
    func rates() {
        let plan = Self.plan(seed: 42)
        let draws = (0..<20_000).map { plan.delivery(provider: "newpay", event: "payment/O-\($0)/paid/1", attempt: 1) }
        let drops = Double(draws.filter(\.drop).count) / 20_000
        let duplicates = Double(draws.filter(\.duplicate).count) / 20_000
        #expect(abs(drops - 0.3) < 0.02)
        #expect(abs(duplicates - 0.2) < 0.02)
        #expect(FaultPlan.none.delivery(provider: "newpay", event: "x", attempt: 1) == FaultPlan.DeliveryFaults())
    }

    /// One scripted run: 30 CodePay orders paid, callbacks delivered until the schedule is done.
    static func run(seed: UInt64) async throws -> (attempts: [String], rejected: Int, accepted: Int) {
        let box = ResultBox()
        try await Harness.run(faults: plan(seed: seed)) { h in
            for index in 0..<30 {
                _ = await h.perform(.createPayment(PaymentCreation(merchantOrderNumber: "F-\(index)", amount: Money(minorUnits: 100, currency: .USD), subject: "x", notifyURL: h.notifyURL("codepay"))), "codepay")
                try await h.sandbox.pay("codepay", "F-\(index)")
            }
            for _ in 0..<20 {
                await h.sandbox.deliverDueCallbacks()
                guard let next = await h.sandbox.nextDeliveryDue() else { break }
                h.clock.set(next)
            }
            let attempts = await h.sandbox.deliveries().map { "\($0.event)#\($0.attempt) \($0.kind.rawValue) \($0.outcome)" }.sorted()
            await box.set((attempts, await h.receiver.rejections.count, await h.receiver.events.count))
        }
        return await box.value
    }

    @Test("a run of the sandbox with a fixed seed delivers the same callbacks, faults included")
    func reproducibleRun() async throws {
        let first = try await Self.run(seed: 3)
        let second = try await Self.run(seed: 3)
        #expect(first.attempts == second.attempts)
        #expect(first.rejected == second.rejected)
        #expect(first.accepted == second.accepted)
        #expect(first.attempts.contains { $0.contains(" dropped") })
        #expect(first.attempts.contains { $0.contains(" duplicate ") })
        // Every forged copy was refused by the receiver's signature check.
        #expect(first.rejected == first.attempts.filter { $0.contains(" forged ") }.count)
    }

    @Test("one event's messages arrive one after another: the callback, its duplicate, the forgery, the tampered copy")
    func messagesOfAnEventInOrder() async throws {
        var rates = FaultPlan.Rates()
        rates.duplicate = 1
        rates.forge = 1
        rates.tamper = 1
        let providers: [(String, Currency)] = [("codepay", .USD), ("payby", .AED), ("newpay", .BRL), ("payzapp", .INR)]
        let plan = FaultPlan(seed: 1, rates: Dictionary(uniqueKeysWithValues: providers.map { ($0.0, rates) }))
        try await Harness.run(faults: plan) { h in
            // Twelve orders, three per gateway, all paid at once: their events are sent concurrently.
            var numbers: [String] = []
            for (index, (provider, currency)) in (providers + providers + providers).enumerated() {
                let number = "M-\(101 + index)"
                _ = await h.perform(
                    .createPayment(PaymentCreation(merchantOrderNumber: number, amount: Money(minorUnits: 500, currency: currency), subject: "x", notifyURL: h.notifyURL(provider))),
                    provider)
                try await h.sandbox.pay(provider, number)
                numbers.append(number)
            }
            await h.sandbox.deliverDueCallbacks()
            let arrivals = await h.receiver.arrivals
            #expect(arrivals.count == 48)
            for number in numbers {
                #expect(arrivals.filter { $0.body.contains(number) }.map(\.verdict) == ["paid 500", "paid 500", "rejected bad_signature", "paid 501"])
            }
        }
    }

    @Test("query faults reach the adapter as failures, never as verdicts", arguments: [
        ("timeout", GatewayFailure.Kind.timeout), ("serverError", .httpStatus), ("malformed", .malformedResponse),
    ])
    func queryFaults(_ fault: String, _ kind: GatewayFailure.Kind) async throws {
        var rates = FaultPlan.Rates()
        switch fault {
        case "timeout": rates.queryTimeout = 1
        case "serverError": rates.queryServerError = 1
        default: rates.queryMalformed = 1
        }
        // Only the timeout case needs a client deadline shorter than the sandbox's stall; the others
        // keep a generous one so a loaded machine cannot turn them into timeouts.
        let timeout: Int64 = fault == "timeout" ? 300 : 5_000
        try await Harness.run(faults: FaultPlan(seed: 1, rates: ["payby": rates]), stallMilliseconds: 1_500, timeoutMilliseconds: timeout) { h in
            _ = await h.perform(.createPayment(PaymentCreation(merchantOrderNumber: "Q-1", amount: Money(minorUnits: 100, currency: .AED), subject: "x", notifyURL: h.notifyURL("payby"))), "payby")
            let outcome = await h.perform(.queryPayment(PaymentReference(merchantOrderNumber: "Q-1")), "payby")
            guard case .failed(let failure) = outcome else { Issue.record("expected a failure, got \(outcome)"); return }
            #expect(failure.kind == kind)
        }
    }
}

actor ResultBox {
    var value: (attempts: [String], rejected: Int, accepted: Int) = ([], 0, 0)
    func set(_ value: (attempts: [String], rejected: Int, accepted: Int)) { self.value = value }
}

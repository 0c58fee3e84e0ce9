import PaySyncCore
@testable import PaySyncEngine
import PaySyncGateways
import PaySyncStore
@testable import PaySyncSQLite
import Testing

/// The reconciler's schedule on a manual clock against scripted gateways: which checks run when,
/// and what their answers leave. (`CheckPlanTests` pins each answer's change; the loopback layer
/// in PaySyncHTTPTests runs the same paths against the sandbox.)
@Suite("Reconciler rules")
struct ReconcilerRuleTests {
    static let notFound = GatewayOutcome.refused(code: "ORDER_NOT_EXIST", message: "no such order")
    static let ladder = [5, 30, 60, 180, 300, 600, 1_800].map { "query_payment@\($0)" }

    @Test("a run with nothing due yet writes nothing; once a check is due, it claims and runs it")
    func idleRunWritesNothing() async throws {
        let engine = try EngineHarness()
        let reconciler = engine.reconciler()
        try await engine.order("I-1", status: .created)
        engine.gateways.script("codepay", "query_payment", "I-1", Self.notFound)
        let before = engine.store.writer.committed.load(ordering: .relaxed)
        #expect(try await reconciler.runDueChecks() == 0)
        #expect(engine.store.writer.committed.load(ordering: .relaxed) == before)
        engine.clock.advance(milliseconds: 5_000)
        #expect(try await reconciler.runDueChecks() == 1)
        #expect(engine.store.writer.committed.load(ordering: .relaxed) > before)
        #expect(try await engine.calls("I-1") == ["query_payment@5"])
    }

    @Test("an order without a final answer is queried on the ladder, then queried once more and canceled at the gateway")
    func ladderEndsInCancel() async throws {
        let engine = try EngineHarness()
        try await engine.order("A-1")
        engine.gateways.script("codepay", "query_payment", "A-1", ScriptedGateways.payment("A-1", .pending))
        engine.gateways.script("codepay", "cancel_payment", "A-1", .answered(.cancel(.closed(providerStatus: "CLOSED"))))
        try await engine.drive(engine.reconciler(), "A-1", untilSeconds: 1_800)
        #expect(try await engine.calls("A-1") == Self.ladder + ["query_payment@1800", "cancel_payment@1800"])
        let order = try #require(try await engine.stored("A-1"))
        #expect(order.status == .canceled)
        #expect(try await engine.events("A-1").suffix(2) == ["cancelRequested:scheduler:applied", "canceled:gateway:applied"])
        // Watched like every close: 1 h after it, on the next whole minute of the clock.
        #expect(order.check.map { ($0.nextAt.millisecondsSinceEpoch - EngineHarness.start.millisecondsSinceEpoch) / 1_000 } == 5_421)
    }

    @Test("an order canceled at the gateway is watched; a payment that landed in the race with the cancel opens paid_after_canceled review")
    func gatewayCloseWatched() async throws {
        let engine = try EngineHarness()
        try await engine.order("A-1")
        engine.gateways.script("codepay", "query_payment", "A-1", ScriptedGateways.payment("A-1", .pending))
        engine.gateways.script("codepay", "cancel_payment", "A-1", .answered(.cancel(.closed(providerStatus: "CLOSED"))))
        try await engine.drive(engine.reconciler(), "A-1", untilSeconds: 1_800)
        // The customer's payment reached CodePay just before the cancel; every callback is lost.
        engine.gateways.script("codepay", "query_payment", "A-1", ScriptedGateways.payment("A-1", .paid))
        try await engine.drive(engine.reconciler(), "A-1", untilSeconds: 400_000)
        #expect(try await engine.calls("A-1").suffix(2) == ["cancel_payment@1800", "query_payment@5421"])
        let order = try #require(try await engine.stored("A-1"))
        #expect(order.status == .canceled)
        #expect(order.check == nil)
        #expect(try await engine.store.reviewItems(status: .open, limit: 10).map(\.reason) == [.paidAfterCanceled])
        #expect(try await engine.events("A-1").last == "paid:query:review")
    }

    @Test("a watch that finds the gateway closed the order too ends at its first query")
    func gatewayCloseConfirmed() async throws {
        let engine = try EngineHarness()
        try await engine.order("A-1")
        engine.gateways.script("codepay", "query_payment", "A-1", ScriptedGateways.payment("A-1", .pending))
        engine.gateways.script("codepay", "cancel_payment", "A-1", .answered(.cancel(.closed(providerStatus: "CLOSED"))))
        try await engine.drive(engine.reconciler(), "A-1", untilSeconds: 1_800)
        engine.gateways.script("codepay", "query_payment", "A-1", ScriptedGateways.payment("A-1", .canceled))
        try await engine.drive(engine.reconciler(), "A-1", untilSeconds: 400_000)
        #expect(try await engine.calls("A-1").suffix(2) == ["cancel_payment@1800", "query_payment@5421"])
        #expect(try await engine.stored("A-1")?.check == nil)
        #expect(try await engine.store.reviewItems(status: .open, limit: 10).isEmpty)
    }

    @Test("with the sweep strategy an order is checked on the 30 s ticks of its first 10 minutes, 10 times, then closed")
    func sweepEndsInCancel() async throws {
        let engine = try EngineHarness()
        var schedules = OrderPolicy()
        schedules.sweeps[try ProviderID("codepay")] = SweepPolicy()
        try await engine.order("A-1", schedule: SweepPolicy())
        engine.gateways.script("codepay", "query_payment", "A-1", ScriptedGateways.payment("A-1", .pending))
        engine.gateways.script("codepay", "cancel_payment", "A-1", .answered(.cancel(.closed(providerStatus: "CLOSED"))))
        try await engine.drive(engine.reconciler(schedules: schedules), "A-1", untilSeconds: 600)
        // The clock starts 39 s past a minute: the first tick is 21 s later.
        #expect(try await engine.calls("A-1") == [21, 51, 81, 111, 141, 171, 201, 231, 261, 291].map { "query_payment@\($0)" } + ["query_payment@291", "cancel_payment@291"])
        #expect(try await engine.stored("A-1")?.status == .canceled)
    }

    @Test("an order paid at the gateway whose callbacks are all lost is found paid at the next rung, and checks stop")
    func lostCallbacksRecoveredByQuery() async throws {
        let engine = try EngineHarness()
        let reconciler = engine.reconciler()
        try await engine.order("A-1")
        engine.gateways.script("codepay", "query_payment", "A-1", ScriptedGateways.payment("A-1", .pending))
        try await engine.drive(reconciler, "A-1", untilSeconds: 60)
        engine.gateways.script("codepay", "query_payment", "A-1", ScriptedGateways.payment("A-1", .paid))
        try await engine.drive(reconciler, "A-1", untilSeconds: 7_200)
        #expect(try await engine.calls("A-1") == ["query_payment@5", "query_payment@30", "query_payment@60", "query_payment@180"])
        let order = try #require(try await engine.stored("A-1"))
        #expect(order.status == .paid)
        #expect(order.check == nil)
        #expect(try await engine.events("A-1").last == "paid:query:applied")
    }

    @Test("a restart between two checks resumes the schedule without skipping or doubling a check")
    func restartResumes() async throws {
        let engine = try EngineHarness()
        try await engine.order("A-1")
        engine.gateways.script("codepay", "query_payment", "A-1", ScriptedGateways.payment("A-1", .pending))
        try await engine.drive(engine.reconciler(owner: "first"), "A-1", untilSeconds: 60)
        engine.clock.set(EngineHarness.start.adding(milliseconds: 100_000))
        try await engine.drive(engine.reconciler(owner: "restarted"), "A-1", untilSeconds: 600)
        #expect(try await engine.calls("A-1") == Array(Self.ladder.prefix(6)))
    }

    @Test("an order unknown at the gateway (its create got no answer) adopts the gateway's state when found")
    func unknownAtGatewayAdopted() async throws {
        let engine = try EngineHarness()
        let reconciler = engine.reconciler()
        try await engine.order("U-1", status: .created)
        engine.gateways.script("codepay", "query_payment", "U-1", ScriptedGateways.payment("U-1", .pending))
        try await engine.drive(reconciler, "U-1", untilSeconds: 5)
        #expect(try await engine.stored("U-1")?.status == .pending)
        engine.gateways.script("codepay", "query_payment", "U-1", ScriptedGateways.payment("U-1", .paid))
        try await engine.drive(reconciler, "U-1", untilSeconds: 30)
        #expect(try await engine.stored("U-1")?.status == .paid)
    }

    @Test("a create that reaches the gateway after the first query found nothing is followed, and its payment recorded")
    func lateCreateFollowed() async throws {
        let engine = try EngineHarness()
        let reconciler = engine.reconciler()
        try await engine.order("U-3", status: .created)
        engine.gateways.script("codepay", "query_payment", "U-3", Self.notFound)
        try await engine.drive(reconciler, "U-3", untilSeconds: 5)
        #expect(try await engine.stored("U-3")?.status == .created)
        engine.gateways.script("codepay", "query_payment", "U-3", ScriptedGateways.payment("U-3", .paid))
        try await engine.drive(reconciler, "U-3", untilSeconds: 30)
        #expect(try await engine.calls("U-3") == ["query_payment@5", "query_payment@30"])
        #expect(try await engine.stored("U-3")?.status == .paid)
    }

    @Test("an order the gateway never received is queried on the whole ladder (its create may land late), canceled here without a cancel call, and watched")
    func neverReceived() async throws {
        let engine = try EngineHarness()
        try await engine.order("U-2", status: .created)
        engine.gateways.script("codepay", "query_payment", "U-2", Self.notFound)
        try await engine.drive(engine.reconciler(), "U-2", untilSeconds: 400_000)
        // Then watched three times (its create may still land), each query refused, and left alone.
        #expect(try await engine.calls("U-2") == Self.ladder + ["query_payment@1800", "query_payment@5421", "query_payment@23421", "query_payment@88221"])
        let order = try #require(try await engine.stored("U-2"))
        #expect(order.status == .canceled)
        #expect(order.check == nil)
        #expect(try await engine.events("U-2").last == "canceled:gateway:applied")
    }

    @Test("a gateway without a cancel API (NewPay) is expired locally after the last check, then watched")
    func noCancelAPI() async throws {
        let engine = try EngineHarness()
        try await engine.order("A-1", provider: "newpay")
        engine.gateways.script("newpay", "query_payment", "A-1", ScriptedGateways.payment("A-1", .pending, minor: 2_500_000, currency: .LAK))
        try await engine.drive(engine.reconciler(), "A-1", untilSeconds: 1_800)
        #expect(try await engine.calls("A-1") == Self.ladder + ["query_payment@1800", "cancel_payment@1800"])
        let order = try #require(try await engine.stored("A-1"))
        #expect(order.status == .canceled)
        #expect(try await engine.events("A-1").last == "expired:scheduler:applied")
        // The first watch: 1 h after the close, on the next whole minute of the clock.
        #expect(order.check.map { ($0.nextAt.millisecondsSinceEpoch - EngineHarness.start.millisecondsSinceEpoch) / 1_000 } == 5_421)
    }

    @Test("an order closed locally and never paid is watched three times, then left alone")
    func watchEnds() async throws {
        let engine = try EngineHarness()
        try await engine.order("A-1", provider: "newpay")
        engine.gateways.script("newpay", "query_payment", "A-1", ScriptedGateways.payment("A-1", .pending, minor: 2_500_000, currency: .LAK))
        try await engine.drive(engine.reconciler(), "A-1", untilSeconds: 400_000)
        #expect(try await engine.calls("A-1").suffix(3) == ["query_payment@5421", "query_payment@23421", "query_payment@88221"])
        #expect(try await engine.calls("A-1").filter { $0.hasPrefix("query_payment") }.count == 7 + 1 + 3)
        #expect(try await engine.stored("A-1")?.check == nil)
        #expect(try await engine.store.reviewItems(status: .open, limit: 10).isEmpty)
    }

    @Test("a watch that finds the payment opens paid_after_canceled review, the order stays canceled, and the watch ends")
    func watchFindsPayment() async throws {
        let engine = try EngineHarness()
        try await engine.order("A-1", provider: "newpay")
        engine.gateways.script("newpay", "query_payment", "A-1", ScriptedGateways.payment("A-1", .pending, minor: 2_500_000, currency: .LAK))
        try await engine.drive(engine.reconciler(), "A-1", untilSeconds: 5_421)
        engine.gateways.script("newpay", "query_payment", "A-1", ScriptedGateways.payment("A-1", .paid, minor: 2_500_000, currency: .LAK))
        try await engine.drive(engine.reconciler(), "A-1", untilSeconds: 400_000)
        #expect(try await engine.calls("A-1").suffix(2) == ["query_payment@5421", "query_payment@23421"])
        let order = try #require(try await engine.stored("A-1"))
        #expect(order.status == .canceled)
        #expect(order.check == nil)
        #expect(try await engine.store.reviewItems(status: .open, limit: 10).map(\.reason) == [.paidAfterCanceled])
        #expect(try await engine.events("A-1").last == "paid:query:review")
    }

    @Test("gateway failures are retried with backoff without burning a rung")
    func failuresBackOff() async throws {
        let engine = try EngineHarness()
        try await engine.order("A-1")
        engine.gateways.script("codepay", "query_payment", "A-1", .failed(GatewayFailure(.httpStatus, "HTTP 500")))
        try await engine.drive(engine.reconciler(), "A-1", untilSeconds: 60)
        #expect(try await engine.calls("A-1") == ["query_payment@5", "query_payment@10", "query_payment@25", "query_payment@55"])
        let order = try #require(try await engine.stored("A-1"))
        #expect(order.check?.rung == 0)
        #expect(order.check?.failures == 4)
    }

    @Test("every gateway call is recorded as a value and as an audit row with its operation and outcome")
    func callsRecorded() async throws {
        let engine = try EngineHarness()
        let order = try await engine.order("A-1")
        engine.gateways.script("codepay", "query_payment", "A-1", .failed(GatewayFailure(.timeout, "10 s")), ScriptedGateways.payment("A-1", .paid))
        try await engine.drive(engine.reconciler(), "A-1", untilSeconds: 60)
        #expect(engine.gateways.calls.map(\.description) == ["codepay query_payment A-1", "codepay query_payment A-1"])
        let audit = try await engine.store.audit(orderID: order.id)
        #expect(audit.map { "\($0.operation ?? "-") \($0.outcome ?? "-")" } == ["query_payment failed", "query_payment answered"])
        #expect(audit.map(\.error) == ["timeout: 10 s", nil])
    }
}

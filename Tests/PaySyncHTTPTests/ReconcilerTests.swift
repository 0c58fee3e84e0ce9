import Foundation
import GRDB
import PaySyncCore
import PaySyncEngine
import PaySyncGateways
import PaySyncSandbox
@testable import PaySyncSQLite
import PaySyncStore
import PaySyncTransport
import Synchronization
import Testing

/// The reconciler end to end, on an injected clock against the sandbox over real HTTP: the whole
/// ladder, the races that need a live gateway, callbacks meeting checks, batching. Its rules,
/// answer by answer, are pinned in PaySyncEngineTests (`CheckPlanTests`, `ReconcilerRuleTests`).
@Suite("Reconciler over loopback")
struct ReconcilerTests {
    /// Steps the clock to each due check of `number` and runs the reconciler, up to `until`.
    static func drive(_ api: APIHarness, _ reconciler: Reconciler, _ number: String, untilSeconds: Int64) async throws {
        let end = APIHarness.start.adding(milliseconds: untilSeconds * 1_000)
        for _ in 0..<100 {
            guard let next = try await api.order(number)?.check?.nextAt, next <= end else { return }
            if next > api.clock.now() { api.clock.set(next) }
            try await reconciler.runDueChecks()
        }
        Issue.record("the schedule did not end")
    }

    /// Another reconciler over the harness's store and clock, with its own policy and owner, calling
    /// the gateways through `transport` (the harness's own when `nil`).
    static func reconciler(
        _ api: APIHarness, _ client: APIClient, through transport: (any HTTPTransport)? = nil, policy: ReconcilerPolicy = ReconcilerPolicy(),
        owner: String
    ) -> Reconciler {
        let gateways = transport.map { GatewayClient(directory: client.reconciler.gateways.directory, transport: $0, clock: api.clock) }
        return Reconciler(
            store: api.store, gateways: gateways ?? client.reconciler.gateways, clock: api.clock, schedules: OrderPolicy(), policy: policy, owner: owner)
    }

    /// `count` unsubmitted orders `prefix-0`, `prefix-1`, …, and the clock at their first check (5 s).
    static func dueBacklog(_ api: APIHarness, _ prefix: String, count: Int) async throws {
        for index in 0..<count { _ = try await insertUnsubmitted(api, "\(prefix)-\(index)") }
        api.clock.advance(milliseconds: 5_000)
    }

    /// An order PaySync stored whose create call got no answer: `created`, on the ladder, no gateway number.
    static func insertUnsubmitted(_ api: APIHarness, _ number: String) async throws -> Order {
        var random = SystemRandomNumberGenerator()
        let order = Order(
            id: .make(at: APIHarness.start, using: &random), account: .default, merchantOrderNumber: try MerchantOrderNumber(number), provider: try ProviderID("codepay"),
            amount: Money(minorUnits: 500, currency: .USD), subject: "x", status: .created, attempt: 1, version: 1, gatewayOrderNumber: nil,
            createdAt: APIHarness.start, updatedAt: APIHarness.start, check: .start(PollLadder.progressive, anchor: APIHarness.start))
        try await api.store.insertOrder(
            order, event: OrderEvent(kind: "created", source: .merchantAPI, from: nil, to: .created, outcome: .applied, attempt: 1, evidence: Evidence(summary: "x"), at: APIHarness.start),
            audit: [])
        return order
    }

    /// `operation@seconds` for each gateway call made for the order, relative to the start.
    static func calls(_ api: APIHarness, _ number: String) async throws -> [String] {
        let order = try #require(try await api.order(number))
        return try await api.store.audit(orderID: order.id).filter { $0.kind == .outbound }.map {
            "\($0.operation ?? "-")@\(($0.at.millisecondsSinceEpoch - APIHarness.start.millisecondsSinceEpoch) / 1_000)"
        }
    }

    @Test("an order that never gets a callback is queried at 5s, 30s, 1m, 3m, 5m, 10m, 30m, then queried once more, canceled at the gateway, and watched until the gateway says closed")
    func progressiveLadderEndsInCancel() async throws {
        let api = try APIHarness()
        try await api.run { client in
            _ = try await client.create()
            try await Self.drive(api, client.reconciler, "A-1001", untilSeconds: 7_200)
            #expect(try await Self.calls(api, "A-1001") == [
                "create_payment@0", "query_payment@5", "query_payment@30", "query_payment@60", "query_payment@180", "query_payment@300",
                "query_payment@600", "query_payment@1800", "query_payment@1800", "cancel_payment@1800", "query_payment@5421",
            ])
            let order = try #require(try await api.order("A-1001"))
            #expect(order.status == .canceled)
            #expect(order.check == nil)
            #expect(await api.sandbox.ledger.payment(provider: "codepay", number: "A-1001")?.status == .canceled)
            let events = try await api.store.events(orderID: order.id).map { "\($0.kind):\($0.source.rawValue):\($0.to.rawValue)" }
            #expect(events.suffix(2) == ["cancelRequested:scheduler:closing", "canceled:gateway:canceled"])
        }
    }

    @Test("a verified callback that finalises the order cancels its pending checks")
    func callbackWins() async throws {
        let api = try APIHarness()
        try await api.run { client in
            _ = try await client.create()
            try await Self.drive(api, client.reconciler, "A-1001", untilSeconds: 30)
            try await api.sandbox.pay("codepay", "A-1001")
            await api.deliver()
            #expect(try await api.order("A-1001")?.check == nil)
            api.clock.advance(milliseconds: 3_600_000)
            #expect(try await client.reconciler.runDueChecks() == 0)
            #expect(try await Self.calls(api, "A-1001") == ["create_payment@0", "query_payment@5", "query_payment@30"])
        }
    }

    @Test("the cancel-answers-paid race: paid between the last query and the cancel is recorded paid, never canceled")
    func cancelAnswersPaid() async throws {
        let api = try APIHarness()
        try await api.run { client in
            _ = try await client.create()
            // The customer pays just before the cancel arrives.
            let racing = InterceptingTransport { request in
                if String(decoding: request.body, as: UTF8.self).contains("order.revoker") { _ = try? await api.sandbox.pay("codepay", "A-1001") }
            }
            let reconciler = Self.reconciler(api, client, through: racing, owner: "race")
            try await Self.drive(api, reconciler, "A-1001", untilSeconds: 7_200)
            #expect(try await Self.calls(api, "A-1001").suffix(2) == ["query_payment@1800", "cancel_payment@1800"])
            let order = try #require(try await api.order("A-1001"))
            #expect(order.status == .paid)
            #expect(await api.sandbox.ledger.payment(provider: "codepay", number: "A-1001")?.status == .paid)
        }
    }

    @Test("a close whose lease passed to another claim during its query sends no cancel; the new holder cancels once")
    func closeLeaseLost() async throws {
        let api = try APIHarness()
        try await api.run { client in
            _ = try await client.create()
            try await Self.drive(api, client.reconciler, "A-1001", untilSeconds: 1_799)
            // While the close's query is out, its 30 s lease ends and another instance claims the check.
            let stealing = InterceptingTransport { _ in
                guard (try? await api.order("A-1001"))?.status == .closing else { return }
                let later = api.clock.now().adding(milliseconds: 30_001)
                let taken = try? await api.store.claimDueChecks(owner: "other", now: later, leaseMilliseconds: 30_000, limit: 10)
                #expect(taken?.map(\.merchantOrderNumber.rawValue) == ["A-1001"])
            }
            let slow = Self.reconciler(api, client, through: stealing, owner: "slow")
            api.clock.set(APIHarness.start.adding(milliseconds: 1_800_000))
            try await slow.runDueChecks()  // the last rung: the order goes to closing
            try await slow.runDueChecks()  // the close: queried, lease lost, no cancel
            #expect(try await Self.calls(api, "A-1001").suffix(2) == ["query_payment@1800", "query_payment@1800"])
            #expect(try await api.order("A-1001")?.status == .closing)
            #expect(await api.sandbox.ledger.payment(provider: "codepay", number: "A-1001")?.status == .pending)
            // The other instance died holding it; once its lease ends the check is claimed again.
            api.clock.set(APIHarness.start.adding(milliseconds: 1_900_000))
            try await client.reconciler.runDueChecks()
            #expect(try await Self.calls(api, "A-1001").suffix(3) == ["query_payment@1800", "query_payment@1900", "cancel_payment@1900"])
            #expect(try await Self.calls(api, "A-1001").filter { $0.hasPrefix("cancel_payment") }.count == 1)
            #expect(try await api.order("A-1001")?.status == .canceled)
        }
    }

    @Test("the lease renewed for a cancel outlasts the gateway timeout, even when the check lease is shorter")
    func renewalCoversTheCancel() async throws {
        let api = try APIHarness()
        try await api.run { client in
            _ = try await client.create()
            try await Self.drive(api, client.reconciler, "A-1001", untilSeconds: 1_799)
            // While the cancel is out, another instance tries to claim the close 2 s later: past a
            // 1 s check lease, within the 10 s gateway timeout the renewal covers.
            let claims = InterceptingTransport { request in
                guard String(decoding: request.body, as: UTF8.self).contains("order.revoker") else { return }
                let taken = try? await api.store.claimDueChecks(
                    owner: "other", now: api.clock.now().adding(milliseconds: 2_000), leaseMilliseconds: 30_000, limit: 10)
                #expect(taken?.isEmpty == true)
            }
            var policy = ReconcilerPolicy()
            policy.leaseMilliseconds = 1_000
            let short = Self.reconciler(api, client, through: claims, policy: policy, owner: "short")
            api.clock.set(APIHarness.start.adding(milliseconds: 1_800_000))
            try await short.runDueChecks()  // the last rung: the order goes to closing
            try await short.runDueChecks()  // the close: queried, lease renewed, canceled
            #expect(try await Self.calls(api, "A-1001").suffix(2) == ["query_payment@1800", "cancel_payment@1800"])
            #expect(try await api.order("A-1001")?.status == .canceled)
        }
    }

    @Test("a merchant's cancel closes the order at once: queried, then canceled at the gateway")
    func merchantCancel() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create().order["id"] as? String)
            api.clock.advance(milliseconds: 2_000)
            #expect(try await client.request(.post, "/v1/orders/\(id)/cancel").status == 202)
            try await client.reconciler.runDueChecks()
            #expect(try await Self.calls(api, "A-1001") == ["create_payment@0", "query_payment@2", "cancel_payment@2"])
            #expect(try await api.order("A-1001")?.status == .canceled)
            #expect(await api.sandbox.ledger.payment(provider: "codepay", number: "A-1001")?.status == .canceled)
        }
    }

    @Test("the callback-during-query race: a stale 'pending' answer arriving after the paid callback changes nothing")
    func callbackDuringQuery() async throws {
        let api = try APIHarness()
        try await api.run { client in
            _ = try await client.create()
            let stale = StaleQueryTransport(api: api)
            let reconciler = Self.reconciler(api, client, through: stale, owner: "race")
            api.clock.set(APIHarness.start.adding(milliseconds: 5_000))
            try await reconciler.runDueChecks()
            let order = try #require(try await api.order("A-1001"))
            #expect(order.status == .paid)
            #expect(order.check == nil)
            let events = try await api.store.events(orderID: order.id).map { "\($0.kind):\($0.source.rawValue):\($0.outcome.rawValue)" }
            #expect(events.suffix(2) == ["paid:callback:applied", "submitted:query:unchanged"])
            #expect(order.version == 3)
        }
    }

    @Test("an order closed locally stays watched at its gateway (on the minute after 1 h, 6 h, 24 h): a payment found there goes to review")
    func watchAfterLocalClose() async throws {
        let api = try APIHarness()
        try await api.run { client in
            _ = try await client.create(amount: "25000", currency: "LAK", provider: "newpay")
            try await Self.drive(api, client.reconciler, "A-1001", untilSeconds: 1_920)
            let closedAt = try #require(try await api.order("A-1001")?.updatedAt)
            // Paid at the gateway between the first and the second watch; every callback is lost.
            try await Self.drive(api, client.reconciler, "A-1001", untilSeconds: (closedAt.millisecondsSinceEpoch - APIHarness.start.millisecondsSinceEpoch) / 1_000 + 3_660)
            try await api.sandbox.pay("newpay", "A-1001")
            try await Self.drive(api, client.reconciler, "A-1001", untilSeconds: 200_000)
            let closed = (closedAt.millisecondsSinceEpoch - APIHarness.start.millisecondsSinceEpoch) / 1_000
            // Watches fall on the first whole minute (of the clock) after 1 h and 6 h.
            let start = APIHarness.start.millisecondsSinceEpoch / 1_000
            let watches = [3_600, 21_600].map { (start + closed + $0 + 59) / 60 * 60 - start }
            // Closed at 30 min (1_800 s) on a clock at :39 s past a minute: 21 s to the next one.
            #expect(closed == 1_800)
            #expect(watches == [5_421, 23_421] as [Int64])
            #expect(try await Self.calls(api, "A-1001").suffix(3) == ["cancel_payment@\(closed)", "query_payment@\(watches[0])", "query_payment@\(watches[1])"])
            let order = try #require(try await api.order("A-1001"))
            #expect(order.status == .canceled)
            #expect(order.check == nil)
            #expect(try await api.store.reviewItems(status: .open, limit: 10).map(\.reason) == [.paidAfterCanceled])
        }
    }

    @Test("money that arrives after the close is recorded for review; the order stays canceled")
    func paidAfterClose() async throws {
        let api = try APIHarness()
        try await api.run { client in
            _ = try await client.create()
            try await Self.drive(api, client.reconciler, "A-1001", untilSeconds: 7_200)
            try await api.sandbox.pay("codepay", "A-1001", force: true)
            await api.deliver()
            let order = try #require(try await api.order("A-1001"))
            #expect(order.status == .canceled)
            let reviews = try await api.store.reviewItems(status: .open, limit: 10)
            #expect(reviews.map(\.reason) == [.paidAfterCanceled])
            // Refunding it is an operator's decision unless reconciler.refundPaidAfterClose is on.
            #expect(try await api.store.refunds(orderID: order.id).isEmpty)
        }
    }

    @Test("with refundPaidAfterClose, money that lands on a closed order is refunded in full, submitted by the reconciler")
    func paidAfterCloseRefunded() async throws {
        var policy = ReconcilerPolicy()
        policy.refundPaidAfterClose = true
        let api = try APIHarness(reconcilerPolicy: policy)
        try await api.run { client in
            _ = try await client.create()
            try await Self.drive(api, client.reconciler, "A-1001", untilSeconds: 7_200)
            try await api.sandbox.pay("codepay", "A-1001", force: true)
            await api.deliver()
            let order = try #require(try await api.order("A-1001"))
            #expect(order.status == .canceled)
            #expect(try await api.store.reviewItems(status: .open, limit: 10).map(\.reason) == [.paidAfterCanceled])
            let requested = try await api.store.refunds(orderID: order.id)
            #expect(requested.map { "\($0.refundNumber) \($0.amount) \($0.status.rawValue)" } == ["LATE-A-1001-1 100.50 USD requested"])
            // The reconciler's refund follow-up submits it at once; the gateway takes it.
            try await client.reconciler.runDueChecks()
            #expect(try await api.store.refunds(orderID: order.id).map(\.status) == [.processing])
            #expect(await api.sandbox.ledger.refund(provider: "codepay", refundNumber: "LATE-A-1001-1")?.amount == Money(minorUnits: 10_050, currency: .USD))
            // A redelivery of the late callback asks for nothing more.
            try await api.sandbox.pay("codepay", "A-1001", force: true)
            await api.deliver()
            #expect(try await api.store.refunds(orderID: order.id).count == 1)
        }
    }

    @Test("one call claims batch after batch while checks run, with at most perGatewayConcurrency queries in flight to a gateway")
    func pipelinedClaims() async throws {
        let api = try APIHarness()
        try await api.run { client in
            try await Self.dueBacklog(api, "P", count: 20)
            let counting = InFlightTransport()
            var policy = ReconcilerPolicy()
            policy.batchSize = 4
            policy.perGatewayConcurrency = 3
            let reconciler = Self.reconciler(api, client, through: counting, policy: policy, owner: "pipeline")
            #expect(try await reconciler.runDueChecks() == 20)
            #expect(counting.tally == InFlightTransport.Tally(calls: 20, inFlight: 0, peak: 3))
            #expect(try await reconciler.runDueChecks() == 0)
            for index in 0..<20 { #expect(try await api.order("P-\(index)")?.check?.rung == 1) }
        }
    }

    @Test("a gateway slot is free once its answer is in: queries go on while earlier answers wait to be written")
    func slotFreedBeforeCommit() async throws {
        let api = try APIHarness()
        try await api.run { client in
            try await Self.dueBacklog(api, "W", count: 4)
            let stalling = try InFlightTransport.stallingCommits(path: api.path, releaseAtCall: 4)
            var policy = ReconcilerPolicy()
            policy.batchSize = 8
            policy.perGatewayConcurrency = 1
            let reconciler = Self.reconciler(api, client, through: stalling, policy: policy, owner: "slots")
            #expect(try await reconciler.runDueChecks() == 4)
            // One query at a time; the fourth was made while no answer could be written, and every
            // answer was written once the lock was given back.
            #expect(stalling.tally == InFlightTransport.Tally(calls: 4, inFlight: 0, peak: 1))
            for index in 0..<4 { #expect(try await api.order("W-\(index)")?.check?.rung == 1) }
        }
    }

    @Test("one call claims at most claimsPerRun batches, so refunds and payouts get their turn under a backlog")
    func claimsPerRunBound() async throws {
        let api = try APIHarness()
        try await api.run { client in
            try await Self.dueBacklog(api, "Q", count: 20)
            var policy = ReconcilerPolicy()
            policy.batchSize = 4
            policy.claimsPerRun = 2
            let reconciler = Self.reconciler(api, client, policy: policy, owner: "bounded")
            var ran: [Int] = []
            for _ in 0..<4 { ran.append(try await reconciler.runDueChecks()) }
            #expect(ran == [8, 8, 4, 0])
        }
    }

}

/// Forwards gateway calls to the sandbox `delay` late, counting the calls in flight; `before` and
/// `after` run around each call with its number (1, 2, …).
final class InFlightTransport: HTTPTransport {
    struct Tally: Equatable { var calls = 0, inFlight = 0, peak = 0 }
    private let state = Mutex(Tally())
    private let delay: Duration
    private let before: @Sendable (Int) -> Void
    private let after: @Sendable (Int) -> Void
    let real = AsyncHTTPClientTransport()
    var tally: Tally { state.withLock { $0 } }

    init(delay: Duration = .milliseconds(20), before: @escaping @Sendable (Int) -> Void = { _ in }, after: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.delay = delay
        self.before = before
        self.after = after
    }

    func send(_ request: GatewayHTTPRequest, timeoutMilliseconds: Int64) async -> Result<GatewayHTTPResponse, GatewayFailure> {
        let call = state.withLock {
            $0.calls += 1
            $0.inFlight += 1
            $0.peak = max($0.peak, $0.inFlight)
            return $0.calls
        }
        before(call)
        if delay > .zero { try? await Task.sleep(for: delay) }
        let answer = await real.send(request, timeoutMilliseconds: timeoutMilliseconds)
        state.withLock { $0.inFlight -= 1 }
        after(call)
        return answer
    }

    /// Counts calls like `init`, without delay; the first call takes the database's write lock on
    /// another connection, and only the answer of call `releaseAtCall` gives it back. A reconciler
    /// that made a check's next query wait for the previous answer's write would find its writes
    /// refused (SQLite's busy timeout) before that call is ever made.
    static func stallingCommits(path: String, releaseAtCall: Int) throws -> InFlightTransport {
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true  // the lock is held across calls
        let lock = try DatabaseQueue(path: path, configuration: configuration)
        return InFlightTransport(
            delay: .zero,
            before: { call in if call == 1 { try? lock.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE") } } },
            after: { call in if call == releaseAtCall { try? lock.inDatabase { try $0.execute(sql: "COMMIT") } } })
    }
}

/// Forwards gateway calls to the sandbox after `before` has acted on each (a race staged by a test).
struct InterceptingTransport: HTTPTransport {
    let before: @Sendable (GatewayHTTPRequest) async -> Void
    let real = AsyncHTTPClientTransport()

    func send(_ request: GatewayHTTPRequest, timeoutMilliseconds: Int64) async -> Result<GatewayHTTPResponse, GatewayFailure> {
        await before(request)
        return await real.send(request, timeoutMilliseconds: timeoutMilliseconds)
    }
}

@Suite("Front-end verification")
struct VerificationTests {
    @Test("a paid order missing its callback is found paid by the verification query")
    func queriesNonFinal() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create().order["id"] as? String)
            try await api.sandbox.pay("codepay", "A-1001")
            let answer = try await client.request(.get, "/v1/orders/\(id)/verify?report=success")
            #expect(answer.status == 200)
            #expect(answer.json["display"] as? String == "paid")
            #expect(answer.order["status"] as? String == "paid")
        }
    }

    @Test("'canceled by user' answers unpaid without a gateway call, and the report is audited")
    func canceledByUser() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create().order["id"] as? String)
            try await api.sandbox.pay("codepay", "A-1001")
            let answer = try await client.request(.get, "/v1/orders/\(id)/verify?report=canceled_by_user")
            #expect(answer.json["display"] as? String == "not_paid_check_later")
            #expect(try await ReconcilerTests.calls(api, "A-1001") == ["create_payment@0"])
            let orderID = try #require(OrderID(rawValue: id))
            #expect(try await api.store.audit(orderID: orderID).contains { $0.summary == "front end reported canceled_by_user" })
        }
    }

    @Test("with wait, the answer is held until a callback finalises the order")
    func waitsForCallback() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create().order["id"] as? String)
            async let answer = client.request(.get, "/v1/orders/\(id)/verify?report=timeout&wait=10")
            try await Task.sleep(for: .milliseconds(400))
            try await api.sandbox.pay("codepay", "A-1001")
            await api.deliver()
            #expect(try await answer.json["display"] as? String == "paid")
        }
    }

    @Test("ten concurrent verifications of one order make one gateway query")
    func coalesced() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create().order["id"] as? String)
            let answers = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for _ in 0..<10 { group.addTask { try await client.request(.get, "/v1/orders/\(id)/verify?report=error") } }
                return try await group.reduce(into: [APIResponse]()) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.json["display"] as? String == "not_paid_check_later" })
            #expect(try await ReconcilerTests.calls(api, "A-1001") == ["create_payment@0", "query_payment@0"])
        }
    }

    @Test("verification refuses a bad report or wait", arguments: ["report=maybe", "wait=61", "wait=x"])
    func refusesBadQuery(_ query: String) async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create().order["id"] as? String)
            let answer = try await client.request(.get, "/v1/orders/\(id)/verify?\(query)")
            #expect(answer.status == 400)
            #expect(answer.error["code"] == "invalid_query")
        }
    }
}

/// Answers a query with the gateway's state from *before* the customer paid, after letting the
/// paid callback reach PaySync: the callback-during-query race.
struct StaleQueryTransport: HTTPTransport {
    let api: APIHarness
    let real = AsyncHTTPClientTransport()

    func send(_ request: GatewayHTTPRequest, timeoutMilliseconds: Int64) async -> Result<GatewayHTTPResponse, GatewayFailure> {
        let answer = await real.send(request, timeoutMilliseconds: timeoutMilliseconds)
        if String(decoding: request.body, as: UTF8.self).contains("order.query") {
            _ = try? await api.sandbox.pay("codepay", "A-1001")
            await api.deliver()
        }
        return answer
    }
}

import Foundation
import PaySyncCore
import PaySyncGateways
import PaySyncApp
import PaySyncHTTP
import PaySyncEngine
import PaySyncSandbox
import PaySyncStore

/// What the shop and its customers asked for, and what they were told.
public struct RequestTally: Hashable, Sendable, Codable {
    /// Orders PaySync created at the gateway (201), or accepted without a verdict from it (202).
    public var created = 0
    public var unknownAtGateway = 0
    /// Create requests PaySync refused.
    public var createRefused = 0
    /// Customers who tried to pay an order the gateway had already closed.
    public var payRefusedClosed = 0
    /// Front-end verifications after "success", and "canceled by user" reports.
    public var verifications = 0
    public var canceledReports = 0
    /// Verifications that answered `paid`.
    public var verifiedPaid = 0
    public var refundsRequested = 0
    /// Refund requests PaySync refused (the order was not paid in PaySync).
    public var refundsRefused = 0
}

/// Plays the scenario on the simulated clock: at each due moment, the customers' actions, then
/// the sandbox's callback deliveries and PaySync's checks until nothing more is due now, then a
/// jump to the next due moment.
struct Driver: Sendable {
    let options: DemoOptions
    let scenario: Scenario
    let clock: ManualClock
    let sandbox: Sandbox
    let instance: PaySyncInstance
    let api: APIClient
    let progress: @Sendable (DemoProgress) -> Void
    let wallStart: ContinuousClock.Instant

    struct Finished {
        let simulatedMilliseconds: Int64
        /// Whether everything came to rest before the horizon.
        let settled: Bool
        let requests: RequestTally
    }

    func run() async throws -> Finished {
        var orderIDs = [String?](repeating: nil, count: scenario.customers.count)
        var tally = RequestTally()
        var cursor = 0
        var lastProgress = ContinuousClock.now
        let actions = scenario.actions
        let horizon = (actions.last?.at ?? Demo.start).adding(milliseconds: Demo.horizonMilliseconds)
        while true {
            let now = clock.now()
            var due: [CustomerAction] = []
            while cursor < actions.count, actions[cursor].at <= now {
                due.append(actions[cursor])
                cursor += 1
            }
            // The orders due now are created while the rest of the moment plays. Nothing else due
            // now concerns them (a customer acts two seconds after the create at the earliest, and
            // a first check is later still), so the outcome never depends on which finishes first.
            let creates = due.filter { $0.kind == .create }.map { scenario.customers[$0.customer] }
            async let created = concurrently(creates, limit: 64, create)
            try await perform(due, orderIDs: orderIDs, tally: &tally)
            // Everything due now: callbacks (which may finish orders) first, then checks, until
            // nothing more is due now (a check or a delivery may make another due at once).
            // Every customer action due now was taken above, so the next one is later.
            let nextAction = cursor < actions.count ? actions[cursor].at : nil
            var next = try await workDue(at: now, nextAction: nextAction)
            for (index, answer) in try await created {
                switch answer {
                case .created(let id):
                    orderIDs[creates[index].index] = id
                    tally.created += 1
                case .unknown(let id):
                    orderIDs[creates[index].index] = id
                    tally.unknownAtGateway += 1
                case .refused: tally.createRefused += 1
                }
            }
            // The new orders' first checks are scheduled now.
            if !creates.isEmpty { next = try await nextMoment(after: nextAction) }
            if ContinuousClock.now - lastProgress > .milliseconds(500) {
                lastProgress = ContinuousClock.now
                progress(await snapshot(now, created: tally.created + tally.unknownAtGateway))
            }
            guard let next else {
                return Finished(simulatedMilliseconds: now.millisecondsSinceEpoch - Demo.start.millisecondsSinceEpoch, settled: true, requests: tally)
            }
            guard next <= horizon else {
                return Finished(simulatedMilliseconds: now.millisecondsSinceEpoch - Demo.start.millisecondsSinceEpoch, settled: false, requests: tally)
            }
            await pace(until: next)
            clock.set(max(next, now.adding(milliseconds: 1)))
        }
    }

    /// After the customers: plays what is still scheduled — callbacks, checks, event deliveries —
    /// until nothing is (an operator's recovery made deliveries due).
    func settle(requests: RequestTally) async throws -> Finished {
        let horizon = clock.now().adding(milliseconds: Demo.horizonMilliseconds)
        while true {
            let now = clock.now()
            let elapsed = now.millisecondsSinceEpoch - Demo.start.millisecondsSinceEpoch
            guard let next = try await workDue(at: now, nextAction: nil) else { return Finished(simulatedMilliseconds: elapsed, settled: true, requests: requests) }
            guard next <= horizon else { return Finished(simulatedMilliseconds: elapsed, settled: false, requests: requests) }
            await pace(until: next)
            clock.set(max(next, now.adding(milliseconds: 1)))
        }
    }

    /// Everything due at `now`: callbacks (which may finish orders) first, then checks, then event
    /// deliveries, until nothing more is due now (one may make another due at once). Returns the
    /// next due moment.
    private func workDue(at now: Timestamp, nextAction: Timestamp?) async throws -> Timestamp? {
        var next: Timestamp?
        repeat {
            await sandbox.deliverDueCallbacks()
            try await instance.reconciler.runDueChecks()
            // A claim is a write: ask first whether a delivery is due (a read of the due index).
            while let due = try await instance.store.nextDeliveryTime(), due <= now { try await instance.deliverer.deliverDue() }
            next = try await nextMoment(after: nextAction)
        } while next.map { $0 <= now } ?? false
        return next
    }

    /// The next due moment: the earliest of the next customer action, the sandbox's next delivery
    /// and PaySync's next check or follow-up; nil when nothing is scheduled.
    private func nextMoment(after action: Timestamp?) async throws -> Timestamp? {
        [action, await sandbox.nextDeliveryDue(), try await instance.store.nextDueTime(), try await instance.store.nextDeliveryTime()].compactMap { $0 }
            .min()
    }

    private func snapshot(_ now: Timestamp, created: Int) async -> DemoProgress {
        let delivered = await sandbox.deliveries().count
        let wall = ContinuousClock.now - wallStart
        return DemoProgress(
            simulatedSeconds: (now.millisecondsSinceEpoch - Demo.start.millisecondsSinceEpoch) / 1_000, created: created, orders: scenario.customers.count,
            callbacksDelivered: delivered, wallSeconds: Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18)
    }

    /// With a time scale, waits until wall time has caught up with simulated `next`.
    private func pace(until next: Timestamp) async {
        guard let scale = options.timeScale else { return }
        let simulated = Double(next.millisecondsSinceEpoch - Demo.start.millisecondsSinceEpoch)
        let target = wallStart.advanced(by: .milliseconds(Int64(simulated / scale)))
        guard target > ContinuousClock.now else { return }
        do { try await Task.sleep(until: target, clock: .continuous) } catch { return }  // canceled: the run is ending
    }

    /// The customers' actions due now but the creates: payments at the gateway (in customer
    /// order), then front-end calls and refunds (concurrently), then the bank.
    private func perform(_ due: [CustomerAction], orderIDs: [String?], tally: inout RequestTally) async throws {
        guard !due.isEmpty else { return }
        for action in due {
            let customer = scenario.customers[action.customer]
            do {
                switch action.kind {
                case .pay: try await sandbox.pay(customer.provider, customer.number)
                case .fail: try await sandbox.settle(customer.provider, customer.number, .failed)
                case .payAfterClose: try await sandbox.pay(customer.provider, customer.number, force: true)
                case .create, .verifySuccess, .reportCanceled, .refund, .finishRefund: continue
                }
            } catch let refusal as LedgerRefusal {
                // Closed at the gateway; anything else (no such payment) follows a refused create.
                if refusal == .notPayable { tally.payRefusedClosed += 1 }
            }
        }
        let calls = due.filter { [.verifySuccess, .reportCanceled, .refund].contains($0.kind) }.compactMap { action in
            orderIDs[action.customer].map { (action, scenario.customers[action.customer], $0) }
        }
        for (_, (kind, status, body)) in try await concurrently(calls, limit: 64, call) {
            switch (kind, status) {
            case (.verifySuccess, _):
                tally.verifications += 1
                if body.contains("\"display\":\"paid\"") { tally.verifiedPaid += 1 }
            case (.reportCanceled, _): tally.canceledReports += 1
            case (.refund, 201): tally.refundsRequested += 1
            case (.refund, _): tally.refundsRefused += 1
            default: break
            }
        }
        for action in due where action.kind == .finishRefund {
            let customer = scenario.customers[action.customer]
            do {
                _ = try await sandbox.finishRefund(customer.provider, customer.refundNumber, succeeded: Scenario.refundSucceeds(customer, options))
            } catch LedgerRefusal.notFound {
                // Only refunds PaySync submitted exist at the gateway: one it refused has nothing to finish.
            }
        }
    }

    enum CreateAnswer { case created(String), unknown(String), refused }

    private func create(_ customer: Customer) async throws -> CreateAnswer {
        let json = """
            {"provider":"\(customer.provider)","amount":"\(customer.amount.decimalString)","currency":"\(customer.amount.currency.code)",\
            "subject":"Demo order \(customer.index + 1)","merchantOrderNumber":"\(customer.number)"}
            """
        let (status, body) = try await api.send(.post, "/v1/orders", json: json)
        struct Answer: Decodable {
            struct Order: Decodable { let id: String }
            let order: Order
        }
        switch status {
        case 201: return .created(try JSONDecoder().decode(Answer.self, from: Data(body)).order.id)
        case 202: return .unknown(try JSONDecoder().decode(Answer.self, from: Data(body)).order.id)
        default: return .refused
        }
    }

    private func call(_ work: (CustomerAction, Customer, String)) async throws -> (CustomerAction.Kind, Int, String) {
        let (action, customer, id) = work
        let answer: (status: Int, body: [UInt8])
        switch action.kind {
        case .verifySuccess: answer = try await api.send(.get, "/v1/orders/\(id)/verify?report=success")
        case .reportCanceled: answer = try await api.send(.get, "/v1/orders/\(id)/verify?report=canceled_by_user")
        default:
            let half = Money(minorUnits: customer.amount.minorUnits / 2, currency: customer.amount.currency)
            answer = try await api.send(
                .post, "/v1/orders/\(id)/refunds",
                json: #"{"amount":"\#(half.decimalString)","reason":"the customer returned half","refundNumber":"\#(customer.refundNumber)"}"#)
        }
        return (action.kind, answer.status, String(decoding: answer.body, as: UTF8.self))
    }
}

/// Runs `work` on every item with at most `limit` at once; results keyed by the item's position.
func concurrently<Item: Sendable, Output: Sendable>(
    _ items: [Item], limit: Int, _ work: @escaping @Sendable (Item) async throws -> Output
) async throws -> [(Int, Output)] {
    try await withThrowingTaskGroup(of: (Int, Output).self) { group in
        var results: [(Int, Output)] = []
        results.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            if index >= limit, let done = try await group.next() { results.append(done) }
            group.addTask { (index, try await work(item)) }
        }
        for try await done in group { results.append(done) }
        return results.sorted { $0.0 < $1.0 }
    }
}

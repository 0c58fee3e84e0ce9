import PaySyncCore
import PaySyncGateways
import PaySyncTransport
import Synchronization

/// One try at delivering a callback, as the sandbox's log records it.
public struct DeliveryAttempt: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable { case genuine, duplicate, forged, tampered }
    public enum Outcome: Hashable, Sendable {
        case acknowledged
        /// The merchant answered, but not with the gateway's acknowledgement.
        case notAcknowledged(status: Int)
        case unreachable
        /// Lost on the way by a drop fault: never sent.
        case dropped
    }

    public let provider: String
    public let event: String
    public let attempt: Int
    public let kind: Kind
    public let at: Timestamp
    public let outcome: Outcome
}

/// Delivers callbacks with each gateway's redelivery schedule on the sandbox's clock, applying the
/// fault plan. Nothing runs by itself: `deliverDue()` sends what is due now, so a test steps the
/// clock and calls it, and `paysync sandbox` calls it from a loop.
actor CallbackDeliverer {
    struct Pending {
        let gateway: any SandboxGateway
        let event: SandboxEvent
        var attempt: Int
        var dueAt: Timestamp
        var delayed = false
    }

    private var queue: [Pending] = []
    private(set) var log: [DeliveryAttempt] = []
    /// Acknowledgements received so far, counted as each answer arrives: a test can act in the
    /// middle of a round.
    nonisolated let acknowledgements = AcknowledgementCount()
    /// Attempts held back by a delay fault.
    private(set) var delayed = 0
    private let transport: any HTTPTransport
    private let faults: FaultPlan
    private let clock: any PaySyncClock
    /// How long a delay fault holds an attempt back (gateway clock).
    private let delayMilliseconds: Int64
    /// The most attempts in flight at once; `nil`: every due attempt at once.
    private let concurrency: Int?

    init(transport: any HTTPTransport, faults: FaultPlan, clock: any PaySyncClock, delayMilliseconds: Int64 = 3_000, concurrency: Int? = nil) {
        self.concurrency = concurrency.map { max(1, $0) }
        self.transport = transport
        self.faults = faults
        self.clock = clock
        self.delayMilliseconds = delayMilliseconds
    }

    func enqueue(_ event: SandboxEvent, gateway: any SandboxGateway) {
        queue.append(Pending(gateway: gateway, event: event, attempt: 1, dueAt: clock.now()))
    }

    /// The time of the next delivery due, if any.
    var nextDue: Timestamp? { queue.map(\.dueAt).min() }
    var pendingCount: Int { queue.count }

    /// Sends every delivery due at the clock's current time, concurrently, and reschedules those not
    /// acknowledged.
    func deliverDue() async {
        let now = clock.now()
        let due = queue.filter { $0.dueAt <= now }
        queue.removeAll { $0.dueAt <= now }
        var later: [Pending] = []
        var ready: [(item: Pending, plan: FaultPlan.DeliveryFaults)] = []
        for var item in due {
            let plan = faults.delivery(provider: item.gateway.name, event: item.event.identity, attempt: item.attempt)
            if plan.delay, !item.delayed {
                item.delayed = true
                delayed += 1
                item.dueAt = now.adding(milliseconds: delayMilliseconds)
                later.append(item)
                continue
            }
            ready.append((item, plan))
        }
        // Each event is signed and sent by a task of its own: signing (RSA for three of the four
        // gateways) is most of the sandbox's work, and events are independent. One event's
        // messages (genuine, then its duplicate, forgery, tampered copy) go out one after another,
        // as one gateway worker sends them. So what PaySync sees for one order never depends on
        // thread timing, and a seed replays exactly; the log is written in `due` order below.
        let transport = self.transport
        let acknowledgements = self.acknowledgements
        let limit = concurrency ?? max(1, ready.count)
        let results = await withTaskGroup(of: (Int, Round?).self) { group in
            var results: [Int: Round] = [:]
            for (index, (item, plan)) in ready.enumerated() {
                if index >= limit, let (done, round) = await group.next() { results[done] = round }
                group.addTask { (index, await Self.round(item, plan, now: now, transport, acknowledgements)) }
            }
            for await (done, round) in group { results[done] = round }
            return results
        }
        // Lost attempts first, then the sent ones, each in `due` order.
        for (index, (item, _)) in ready.enumerated() {
            guard case .dropped? = results[index] else { continue }
            log.append(DeliveryAttempt(provider: item.gateway.name, event: item.event.identity, attempt: item.attempt, kind: .genuine, at: now, outcome: .dropped))
            if let next = reschedule(item, now) { later.append(next) }
        }
        for (index, (item, _)) in ready.enumerated() {
            guard case .sent(let sent)? = results[index] else { continue }
            var acknowledged = false
            for (kind, outcome) in sent {
                log.append(DeliveryAttempt(provider: item.gateway.name, event: item.event.identity, attempt: item.attempt, kind: kind, at: now, outcome: outcome))
                if kind == .genuine || kind == .duplicate, outcome == .acknowledged { acknowledged = true }
            }
            if !acknowledged, let next = reschedule(item, now) { later.append(next) }
        }
        queue += later
    }

    /// What became of one attempt (nil when the gateway sends no callback for the event).
    private enum Round: Sendable {
        /// A drop fault lost it on the way.
        case dropped
        /// Its messages, in the order sent, and how each was answered.
        case sent([(DeliveryAttempt.Kind, DeliveryAttempt.Outcome)])
    }

    private static func round(
        _ item: Pending, _ plan: FaultPlan.DeliveryFaults, now: Timestamp, _ transport: any HTTPTransport, _ acknowledgements: AcknowledgementCount
    ) async -> Round? {
        guard let message = item.gateway.callback(for: item.event, amount: nil, identity: .genuine, now: now) else { return nil }
        if plan.drop { return .dropped }
        var messages: [(DeliveryAttempt.Kind, SignedMessage)] = [(.genuine, message)]
        if plan.duplicate { messages.append((.duplicate, message)) }
        if plan.forge, let forged = item.gateway.callback(for: item.event, amount: nil, identity: .forged, now: now) {
            messages.append((.forged, forged))
        }
        if plan.tamper, case .payment(let p) = item.event,
            let tampered = item.gateway.callback(for: item.event, amount: Money(minorUnits: p.amount.minorUnits + 1, currency: p.amount.currency), identity: .genuine, now: now)
        {
            messages.append((.tampered, tampered))
        }
        var sent: [(DeliveryAttempt.Kind, DeliveryAttempt.Outcome)] = []
        for (kind, message) in messages {
            let outcome = await post(message, for: item, transport)
            if outcome == .acknowledged { acknowledgements.add() }
            sent.append((kind, outcome))
        }
        return .sent(sent)
    }

    private static func post(_ message: SignedMessage, for item: Pending, _ transport: any HTTPTransport) async -> DeliveryAttempt.Outcome {
        let request = GatewayHTTPRequest(method: .post, url: item.event.notifyURL, headers: message.headers.map { ($0.key, $0.value) }, body: message.body)
        switch await transport.send(request, timeoutMilliseconds: 5_000) {
        case .success(let response):
            return item.gateway.isAcknowledgement(status: response.status, body: response.body) ? .acknowledged : .notAcknowledged(status: response.status)
        case .failure:
            return .unreachable
        }
    }

    private func reschedule(_ item: Pending, _ now: Timestamp) -> Pending? {
        guard let gap = item.gateway.schedule.gap(after: item.attempt) else { return nil }
        var next = item
        next.attempt += 1
        next.delayed = false
        next.dueAt = now.adding(milliseconds: gap * 1_000)
        return next
    }
}

/// Acknowledgements counted as each answer arrives (the log is written when a round ends), with an
/// optional action run by the delivery that reaches a given count (a test's SIGKILL at an exact
/// point of a burst).
final class AcknowledgementCount: Sendable {
    private let count = Atomic<Int>(0)
    private let trigger = Mutex<(count: Int, action: @Sendable () -> Void)?>(nil)

    func add() {
        let reached = count.add(1, ordering: .relaxed).newValue
        let action = trigger.withLock { trigger -> (@Sendable () -> Void)? in
            guard let pending = trigger, reached >= pending.count else { return nil }
            trigger = nil
            return pending.action
        }
        action?()
    }

    func when(reaching target: Int, _ action: @escaping @Sendable () -> Void) {
        trigger.withLock { $0 = (target, action) }
    }
}

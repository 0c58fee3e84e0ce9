import Foundation
import PaySyncCore
import PaySyncSandbox
import PaySyncStore
import Synchronization

/// A run's outcome: what happened, and the invariants checked against the sandbox's ledger. The
/// same options and seed give the same report.
public struct DemoReport: Hashable, Sendable, Codable {
    /// The options the run played (pacing left out: it changes nothing).
    public var options: DemoOptions
    public var simulatedSeconds: Int64
    /// Customers by behavior.
    public var customers: [String: Int]
    public var requests: RequestTally
    /// PaySync's orders by provider, then status.
    public var orders: [String: [String: Int]]
    public var callbacks: CallbackTally
    /// Queries each gateway received, by the fault they met.
    public var queries: [String: QueryTally]
    /// Paid orders whose payment PaySync learned from a query (a lost callback recovered).
    public var recoveredByQuery: Int
    /// Orders closed through the gateway's cancel API after a query confirmed them unpaid.
    public var closedByCancel: Int
    /// Orders of a gateway without a cancel API, closed here after their last check (the gateway
    /// lets them expire on its own).
    public var closedLocally: Int
    /// Review items by reason.
    public var reviewItems: [String: Int]
    /// PaySync's refunds by status.
    public var refunds: [String: Int]
    /// Events PaySync sent the shop, and what its endpoint did with them.
    public var events: EventTally
    public var invariants: [Invariant] {
        didSet { holds = invariants.allSatisfy(\.holds) }
    }
    /// Whether every invariant holds (the exit status).
    public private(set) var holds: Bool

    init(
        options: DemoOptions, simulatedSeconds: Int64, customers: [String: Int], requests: RequestTally, orders: [String: [String: Int]],
        callbacks: CallbackTally, queries: [String: QueryTally], recoveredByQuery: Int, closedByCancel: Int, closedLocally: Int,
        reviewItems: [String: Int], refunds: [String: Int], events: EventTally, invariants: [Invariant]
    ) {
        self.options = options
        self.simulatedSeconds = simulatedSeconds
        self.customers = customers
        self.requests = requests
        self.orders = orders
        self.callbacks = callbacks
        self.queries = queries
        self.recoveredByQuery = recoveredByQuery
        self.closedByCancel = closedByCancel
        self.closedLocally = closedLocally
        self.reviewItems = reviewItems
        self.refunds = refunds
        self.events = events
        self.invariants = invariants
        holds = invariants.allSatisfy(\.holds)
    }
}

/// Callback deliveries as the sandbox's log records them.
public struct CallbackTally: Hashable, Sendable, Codable {
    /// Genuine attempts that reached PaySync, and how many of those it acknowledged.
    public var delivered = 0
    public var acknowledged = 0
    /// Second copies of a delivered callback.
    public var duplicates = 0
    /// Copies signed with a key that is not the gateway's, and how many PaySync acknowledged (must be 0).
    public var forged = 0
    public var forgedAcknowledged = 0
    /// Gateway-signed copies stating another amount.
    public var tampered = 0
    /// Attempts lost on the way (the gateway redelivers on its schedule).
    public var dropped = 0
    /// Attempts held back past the next one.
    public var delayed = 0
}

/// Outbound events in a run: what PaySync wrote and sent, and what the shop's endpoint did.
public struct EventTally: Hashable, Sendable, Codable {
    /// Events written, by type.
    public var written: [String: Int] = [:]
    /// Attempts made, and how many were retries (every attempt after a delivery's first).
    public var attempts = 0
    public var retries = 0
    /// Events that reached the shop again after it had applied them (lost acknowledgements).
    public var redeliveries = 0
    /// The shop's endpoint: answered 500, timed out, down (outage), applied but lost the answer.
    public var failed = 0
    public var timedOut = 0
    public var outage = 0
    public var lostAcks = 0
    /// Events that failed every retry of their round, recovered by the operator after the run.
    public var recovered = 0
    /// The longest time, simulated, from an event's commit to its delivery.
    public var largestLagSeconds: Int64 = 0
}

/// One property the run must have, checked over every order.
public struct Invariant: Hashable, Sendable, Codable {
    public let name: String
    public let checked: Int
    public let violations: Int
    /// Up to five violating orders, to start an investigation from.
    public let examples: [String]
    public let holds: Bool

    init(_ name: String, checked: Int, violating: [String]) {
        self.name = name
        self.checked = checked
        violations = violating.count
        examples = Array(violating.sorted().prefix(5))
        holds = violating.isEmpty
    }
}

/// A report and the run's wall-clock figures (which vary from run to run).
public struct DemoResult: Sendable, Codable {
    public let report: DemoReport
    public let timing: DemoTiming
}

public struct DemoTiming: Sendable, Codable {
    public let wallSeconds: Double
    public let peakMemoryMiB: Double?
    public let database: String
}

extension DemoReport {
    static func build(
        options: DemoOptions, scenario: Scenario, store: any PaySyncStore, sandbox: Sandbox, simulatedMilliseconds: Int64, settled: Bool,
        requests: RequestTally, shop: DemoShop
    ) async throws -> DemoReport {
        var played = options
        played.timeScale = nil
        var orders: [Order] = []
        var cursor: OrderCursor?
        repeat {
            let page = try await store.listOrders(OrderQuery(after: cursor, limit: 1_000))
            orders += page.orders
            cursor = page.next
        } while cursor != nil
        let ledger = Dictionary(uniqueKeysWithValues: await sandbox.ledger.allPayments().map { ($0.provider + "/" + $0.merchantOrderNumber, $0) })
        let reviews = try await store.reviewItems(status: nil, limit: Int.max)
        let paidAfterClose = Set(reviews.filter { $0.reason == .paidAfterCanceled }.map(\.orderID))

        var byProvider: [String: [String: Int]] = [:]
        var recovered = 0, closedByCancel = 0, expired = 0
        var paidElsewhere: [String] = [], paidWithoutGateway: [String] = [], unconverged: [String] = [], twice: [String] = [], wrongMoney: [String] = []
        for order in orders {
            let number = order.merchantOrderNumber.rawValue
            let payment = ledger[order.provider.rawValue + "/" + number]
            byProvider[order.provider.rawValue, default: [:]][order.status.rawValue, default: 0] += 1
            let events = try await store.events(orderID: order.id)
            let finalising = events.filter { $0.outcome == .applied && $0.to.isTerminal }
            if finalising.count > 1 { twice.append(number) }
            if let paying = finalising.first(where: { $0.to == .paid }), paying.source == .query || paying.source == .gateway { recovered += 1 }
            // Closed here after the last check because the gateway has no cancel API; it still shows
            // the order pending until its own expiry.
            let closedLocally = finalising.contains { $0.kind == OrderInput.expired.rawValue && $0.source == .scheduler }
            if events.contains(where: { $0.outcome == .applied && $0.evidence.amount.map { $0 != order.amount } ?? false }) { wrongMoney.append(number) }
            switch (order.status, payment?.status) {
            case (.paid, .paid?):
                if payment?.amount != order.amount { paidWithoutGateway.append(number) }
            case (.paid, _): paidWithoutGateway.append(number)
            case (.canceled, .paid?):
                if !paidAfterClose.contains(order.id) { paidElsewhere.append(number) }
            case (_, .paid?): paidElsewhere.append(number)
            case (.canceled, .canceled?): closedByCancel += 1
            case (.canceled, .pending?) where closedLocally: expired += 1
            // Unpaid and closed on both sides; gateways differ in how they name it (CodePay says
            // "closed" for a declined payment).
            case (.canceled, .failed?), (.canceled, .expired?), (.failed, .failed?), (.failed, .expired?), (.expired, .failed?), (.expired, .expired?): break
            case (.canceled, nil): break  // the gateway never had it (a create without a verdict)
            default: unconverged.append("\(number): \(order.status.rawValue) here, \(payment?.status.rawValue ?? "unknown") at the gateway")
            }
        }

        let deliveries = await sandbox.deliveries()
        var callbacks = CallbackTally()
        for attempt in deliveries {
            switch (attempt.kind, attempt.outcome) {
            case (.genuine, .dropped): callbacks.dropped += 1
            case (.genuine, .acknowledged):
                callbacks.delivered += 1
                callbacks.acknowledged += 1
            case (.genuine, _): callbacks.delivered += 1
            case (.duplicate, _): callbacks.duplicates += 1
            case (.forged, let outcome):
                callbacks.forged += 1
                if outcome == .acknowledged { callbacks.forgedAcknowledged += 1 }
            case (.tampered, _): callbacks.tampered += 1
            }
        }
        callbacks.delayed = await sandbox.delayedDeliveries()
        let forgedAccepted = deliveries.filter { $0.kind == .forged && $0.outcome == .acknowledged }.map(\.event)

        // Refunds: PaySync's view against the gateway's.
        let gatewayRefunds = Dictionary(uniqueKeysWithValues: await sandbox.ledger.allRefunds().map { ($0.provider + "/" + $0.refundNumber, $0) })
        let refunded = Set(scenario.actions.filter { $0.kind == .refund }.map { scenario.customers[$0.customer].number })
        var refundStatuses: [String: Int] = [:]
        var refundsChecked = 0
        var refundProblems: [String] = []
        for order in orders where refunded.contains(order.merchantOrderNumber.rawValue) {
            let refunds = try await store.refunds(orderID: order.id)
            let succeeded = refunds.filter { $0.status == .succeeded }.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
            if succeeded > order.amount.minorUnits { refundProblems.append("\(order.merchantOrderNumber): refunded more than paid") }
            for refund in refunds {
                refundsChecked += 1
                refundStatuses[refund.status.rawValue, default: 0] += 1
                let truth = gatewayRefunds[refund.provider.rawValue + "/" + refund.refundNumber]?.status.rawValue
                if refund.status.rawValue != truth { refundProblems.append("\(refund.refundNumber): \(refund.status.rawValue) here, \(truth ?? "unknown") at the gateway") }
            }
        }

        let (eventTally, eventInvariants) = try await shopReport(shop, store: store, orders: orders)
        return DemoReport(
            options: played, simulatedSeconds: simulatedMilliseconds / 1_000,
            customers: Dictionary(grouping: scenario.customers, by: \.behavior.rawValue).mapValues(\.count), requests: requests, orders: byProvider,
            callbacks: callbacks, queries: await sandbox.queryTallies(), recoveredByQuery: recovered, closedByCancel: closedByCancel,
            closedLocally: expired, reviewItems: Dictionary(grouping: reviews, by: \.reason.rawValue).mapValues(\.count), refunds: refundStatuses,
            events: eventTally,
            invariants: [
                Invariant("the run came to rest: no check, callback or refund left pending", checked: 1, violating: settled ? [] : ["horizon reached"]),
                Invariant("every order paid at the gateway is paid in PaySync (or closed with the late payment in review)", checked: orders.count, violating: paidElsewhere),
                Invariant("no order is paid in PaySync that was not paid at the gateway, for its amount", checked: orders.count, violating: paidWithoutGateway),
                Invariant("every order is final and agrees with the gateway", checked: orders.count, violating: unconverged),
                Invariant("no order was finalised twice", checked: orders.count, violating: twice),
                Invariant("no forged or tampered callback changed money state", checked: orders.count + callbacks.forged, violating: wrongMoney + forgedAccepted),
                Invariant("refunds agree with the gateway and never exceed the payment", checked: refundsChecked, violating: refundProblems),
            ] + eventInvariants)
    }

    /// The events' figures, and the shop's view checked against PaySync's (which the invariants
    /// above check against the gateway's ledger).
    static func shopReport(_ shop: DemoShop, store: any PaySyncStore, orders: [Order]) async throws -> (EventTally, [Invariant]) {
        var events: [OutboxEvent] = []
        var cursor: Int64 = 0
        while true {
            let page = try await store.events(EventQuery(account: .default, after: cursor, limit: 500))
            events += page.events
            cursor = page.last
            if !page.hasMore { break }
        }
        var tally = EventTally()
        var undelivered: [String] = []
        var latestVersion: [OrderID: Int64] = [:]
        for event in events {
            tally.written[event.type.rawValue, default: 0] += 1
            let attempts = try await store.attempts(eventID: event.id)
            let deliveries = try await store.deliveries(eventID: event.id)
            tally.attempts += attempts.count
            tally.retries += attempts.count - deliveries.count
            if deliveries.isEmpty || deliveries.contains(where: { $0.status != .delivered }) { undelivered.append("\(event.type.rawValue) \(event.id)") }
            if let delivered = attempts.first(where: { ($0.statusCode ?? 0) / 100 == 2 }) {
                tally.largestLagSeconds = max(tally.largestLagSeconds, (delivered.at.millisecondsSinceEpoch - event.occurredAt.millisecondsSinceEpoch) / 1_000)
            }
            if event.type.rawValue.hasPrefix("order."), let order = event.orderID,
                let object = try JSONSerialization.jsonObject(with: Data(event.payload.utf8)) as? [String: Any],
                let version = ((object["data"] as? [String: Any])?["version"] as? NSNumber)?.int64Value
            {
                latestVersion[order] = max(latestVersion[order] ?? 0, version)
            }
        }
        let seen = shop.state.withLock { $0 }
        tally.redeliveries = seen.redelivered
        tally.failed = seen.failed
        tally.timedOut = seen.timedOut
        tally.outage = seen.outage
        tally.lostAcks = seen.lostAcks
        tally.recovered = seen.recovered

        var orderViews: [String] = [], versions: [String] = []
        var refundsChecked = 0
        for order in orders {
            let number = order.merchantOrderNumber.rawValue
            let held = seen.orders[number]
            if held?.status != order.status.rawValue {
                orderViews.append("\(number): \(held?.status ?? "unknown") at the shop, \(order.status.rawValue) in PaySync")
            }
            if let latest = latestVersion[order.id], held?.version != latest {
                versions.append("\(number): the shop holds version \(held?.version ?? 0), the last event carried \(latest)")
            }
            for refund in try await store.refunds(orderID: order.id) where refund.status.isFinal {
                refundsChecked += 1
                if seen.refunds[refund.refundNumber] != refund.status.rawValue {
                    orderViews.append("\(refund.refundNumber): \(seen.refunds[refund.refundNumber] ?? "unknown") at the shop, \(refund.status.rawValue) in PaySync")
                }
            }
        }
        let invariants = [
            Invariant("every event was delivered to the shop", checked: events.count, violating: undelivered),
            Invariant(
                "the shop's view, built only from events, equals PaySync's (so the gateway's) for every order and refund",
                checked: orders.count + refundsChecked, violating: orderViews),
            Invariant("every event the shop received verified its signature", checked: seen.requests + seen.unverified.count, violating: seen.unverified),
            Invariant("no order event applied out of version order: the shop holds each order's last version", checked: latestVersion.count, violating: versions),
        ]
        return (tally, invariants)
    }
}

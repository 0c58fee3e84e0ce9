import PaySyncCore
import PaySyncGateways
import PaySyncStore

/// A UPI customer's "I paid, here is my UTR" for an order that looks unpaid (PayZApp): the UTR is
/// queried at the gateway, and when the money it names is unlinked and matches the order, the
/// gateway is asked to link it (repair). The order then moves the usual way — the gateway's
/// callback or a query — never on the customer's word. Every step is an audit row on the order.
public struct UTRService: Sendable {
    let store: any PaySyncStore
    let gateways: GatewayClient
    let verifier: Verifier
    let clock: any PaySyncClock

    public init(store: any PaySyncStore, gateways: GatewayClient, verifier: Verifier, clock: any PaySyncClock) {
        self.store = store
        self.gateways = gateways
        self.verifier = verifier
        self.clock = clock
    }

    /// What was made of a reported UTR.
    public enum Decision: String, Hashable, Sendable {
        /// The money is unlinked and matches: the gateway was asked to link it and accepted.
        case repairRequested = "repair_requested"
        /// The gateway declined to link it (its message says why).
        case repairRefused = "repair_refused"
        /// The gateway already links this UTR to this order: the order is queried.
        case alreadyLinked = "already_linked"
        /// The gateway links this UTR to another order: nothing is asked.
        case linkedToAnotherOrder = "linked_to_another_order"
        /// The UTR's amount or currency is not the order's: nothing is asked.
        case amountMismatch = "amount_mismatch"
        /// The order is paid here already: nothing is asked.
        case alreadyPaid = "already_paid"
        /// The order is closed (canceled, or being canceled): the money is for an operator, not a link.
        case orderClosed = "order_closed"
        /// The gateway does not know the UTR (or refused the query).
        case unknownAtGateway = "unknown_at_gateway"
        /// No verdict from the gateway (timeout, unreachable, unreadable).
        case gatewayUnavailable = "gateway_unavailable"
    }

    public struct Result: Sendable {
        public let decision: Decision
        /// A sentence: the gateway's message, or why nothing was asked.
        public let message: String
        /// What the gateway said about the UTR, when it answered.
        public let report: UTRReport?
        public let order: Order
    }

    /// The rule, for a UTR the gateway answered about: repair only unlinked money of the order's
    /// exact amount and currency, on an order still open to payment here (not paid, not closed);
    /// `nil` means repair.
    public static func decide(_ report: UTRReport, for order: Order) -> (Decision?, String) {
        if let linked = report.merchantOrderNumber {
            guard linked == order.merchantOrderNumber.rawValue else { return (.linkedToAnotherOrder, "UTR \(report.utr) is linked to order \(linked)") }
            return (.alreadyLinked, "UTR \(report.utr) is linked to this order; the order is queried")
        }
        guard report.amount == order.amount else {
            return (.amountMismatch, "UTR \(report.utr) carries \(report.amount.map(\.description) ?? "no amount"); the order is \(order.amount)")
        }
        switch order.status {
        case .paid: return (.alreadyPaid, "order \(order.merchantOrderNumber) is paid already")
        case .canceled, .closing: return (.orderClosed, "order \(order.merchantOrderNumber) is \(order.status.rawValue); an operator decides about this money")
        case .created, .pending, .failed, .expired: return (nil, "UTR \(report.utr) matches the order and is unlinked; repair requested")
        }
    }

    /// A valid UTR: 1–35 ASCII letters and digits (UPI's are 12 digits; banks' references up to 22).
    static func validate(_ utr: String) throws {
        guard (1...35).contains(utr.utf8.count), utr.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw PaySyncError(.invalid, code: "invalid_utr", message: "a UTR is 1 to 35 ASCII letters and digits", field: "utr")
        }
    }

    public func report(orderID: OrderID, utr: String) async throws -> Result {
        guard let order = try await store.order(id: orderID) else { throw OrderService.notFound(orderID) }
        try Self.validate(utr)
        guard gateways.supports(.queryUTR(utr: utr), provider: order.provider, account: order.account) else {
            throw PaySyncError(.invalid, code: "utr_unsupported", message: "\(order.provider) has no UTR query", field: "provider")
        }
        var audit = [AuditRecord(orderID: order.id, kind: .inbound, summary: "customer reported UTR \(utr)", operation: "report_utr", at: clock.now())]
        let query = await gateways.perform(.queryUTR(utr: utr), provider: order.provider, account: order.account, orderID: order.id)
        audit.append(query.audit)
        let report: UTRReport
        switch query.outcome {
        case .answered(.utr(let answered)): report = answered
        case .refused(let code, let message):
            return try await finish(.unknownAtGateway, "\(order.provider) refused the UTR query (\(code)): \(message)", nil, order, audit)
        case .failed(let failure):
            return try await finish(.gatewayUnavailable, failure.description, nil, order, audit)
        case .answered(let other):
            return try await finish(.gatewayUnavailable, "the UTR query was answered with \(other)", nil, order, audit)
        }
        let (decision, message) = Self.decide(report, for: order)
        if let decision {
            if decision == .alreadyLinked { await verifier.queryRateLimited(order, after: "a reported UTR") }
            return try await finish(decision, message, report, order, audit)
        }
        audit.append(AuditRecord(orderID: order.id, kind: .system, summary: message, operation: "decide_utr", at: clock.now()))
        try await store.appendAudit(audit)
        let repair = await gateways.perform(
            .repairUTR(utr: utr, merchantOrderNumber: order.merchantOrderNumber.rawValue), provider: order.provider, account: order.account, orderID: order.id)
        switch repair.outcome {
        case .answered(.utrRepair(true, let said)):
            // The gateway's callback brings the payment; a query makes sure of it.
            await verifier.queryRateLimited(order, after: "a UTR repair")
            return try await finish(.repairRequested, said.isEmpty ? message : said, report, order, [repair.audit])
        case .answered(.utrRepair(false, let said)):
            return try await finish(.repairRefused, said, report, order, [repair.audit])
        case .refused(let code, let said):
            return try await finish(.repairRefused, "\(order.provider) refused the repair (\(code)): \(said)", report, order, [repair.audit])
        case .failed(let failure):
            // The repair may have gone through: ask.
            await verifier.queryRateLimited(order, after: "a UTR repair without an answer")
            return try await finish(.gatewayUnavailable, failure.description, report, order, [repair.audit])
        case .answered(let other):
            return try await finish(.gatewayUnavailable, "the repair was answered with \(other)", report, order, [repair.audit])
        }
    }

    /// Writes the remaining audit rows, with the decision as the last, and reads the order as it is now.
    private func finish(_ decision: Decision, _ message: String, _ report: UTRReport?, _ order: Order, _ audit: [AuditRecord]) async throws -> Result {
        let record = AuditRecord(
            orderID: order.id, kind: .system, summary: "UTR \(decision.rawValue): \(message)", operation: "report_utr", outcome: decision.rawValue, at: clock.now())
        try await store.appendAudit(audit + [record])
        return Result(decision: decision, message: message, report: report, order: try await store.order(id: order.id) ?? order)
    }
}

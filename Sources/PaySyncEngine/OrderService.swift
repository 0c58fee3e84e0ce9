import PaySyncCore
import PaySyncGateways
import PaySyncStore

/// The merchant-facing use cases over the store: create (idempotent), read, list, timeline,
/// cancel. Every decision about an existing order is taken inside `updateOrder`, i.e. on the
/// committed order under its lock, so concurrent requests cannot both act on a stale view.
public struct OrderService: Sendable {
    public let store: any PaySyncStore
    public let clock: any PaySyncClock
    public let policy: OrderPolicy
    public let gateways: GatewayClient
    /// Matches callbacks that arrived before their order.
    public let ingestor: Ingestor
    /// PaySync's own address as gateways reach it; callbacks go to `<base>/callbacks/<provider>/<account>`.
    public let callbacks: CallbackAddress
    private let numbers: OrderNumberGenerator

    public init(store: any PaySyncStore, clock: any PaySyncClock, policy: OrderPolicy, gateways: GatewayClient, ingestor: Ingestor, callbacks: CallbackAddress) {
        self.ingestor = ingestor
        self.store = store
        self.clock = clock
        self.policy = policy
        self.gateways = gateways
        self.callbacks = callbacks
        var random = SystemRandomNumberGenerator()
        numbers = OrderNumberGenerator(using: &random)
    }

    /// Creates an order, or answers for the one that already has this number.
    ///
    /// - a new number: a new order in `created`;
    /// - the same number, amount, currency and provider: the stored order — `existing` while open,
    ///   `reinitiated` (next attempt, same number) when it had failed or expired, `alreadyPaid` /
    ///   `alreadyCanceled` when it can never be paid again;
    /// - the same number with another amount, currency or provider: `PaySyncError` conflict.
    /// Every outcome leaves an inbound audit row on the order.
    public func create(_ command: CreateOrderCommand) async throws -> CreateOrderResult {
        try validate(command)
        let now = clock.now()
        let number = command.merchantOrderNumber ?? numbers.next(at: now)
        try checkRepresentable(command, number: number, now: now)
        // A concurrent create of the same number may win the insert; then decide against its order.
        for _ in 0..<3 {
            if let existing = try await store.order(account: command.account, number: number) {
                return try await resolve(command, against: existing)
            }
            var random = SystemRandomNumberGenerator()
            let order = Order(
                id: .make(at: now, using: &random), account: command.account, merchantOrderNumber: number, provider: command.provider,
                amount: command.amount, subject: command.subject, status: .created, attempt: 1, version: 1,
                gatewayOrderNumber: nil, createdAt: now, updatedAt: now, check: .start(policy.schedule(for: command.provider), anchor: now)
            )
            let event = OrderEvent(
                kind: "created", source: .merchantAPI, from: nil, to: .created, outcome: .applied, attempt: 1,
                evidence: Evidence(summary: "merchant created the order", amount: command.amount), at: now
            )
            do {
                try await store.insertOrder(order, event: event, audit: [inboundAudit(order.id, "create order -> created", command, now)])
                let result = try await submit(order, outcome: .created)
                // A callback that arrived before the order was parked: match it now.
                guard try await ingestor.matchParked(result.order) > 0, let current = try await store.order(id: order.id) else { return result }
                return CreateOrderResult(outcome: result.outcome, order: current, submission: result.submission)
            } catch let error as StoreError where error.code == .duplicateOrderNumber {
                continue
            }
        }
        throw PaySyncError(.conflict, code: "order_contended", message: "order \(number) is being created concurrently; retry")
    }

    private func resolve(_ command: CreateOrderCommand, against existing: Order) async throws -> CreateOrderResult {
        if existing.amount != command.amount {
            throw PaySyncError(
                .conflict, code: "order_number_conflict",
                message: "order \(existing.merchantOrderNumber) exists with amount \(existing.amount); this request says \(command.amount)",
                field: existing.amount.currency == command.amount.currency ? "amount" : "currency")
        }
        if existing.provider != command.provider {
            throw PaySyncError(
                .conflict, code: "order_number_conflict",
                message: "order \(existing.merchantOrderNumber) exists with provider \(existing.provider); this request says \(command.provider)",
                field: "provider")
        }
        // Pre-creation validation (seed 001): before paying a failed or expired order again, ask the
        // gateway whether the last attempt was paid after all.
        var validation: GatewayCall?
        if existing.status == .failed || existing.status == .expired {
            validation = await gateways.perform(
                .queryPayment(PaymentReference(merchantOrderNumber: existing.merchantOrderNumber.rawValue, gatewayOrderNumber: existing.gatewayOrderNumber)),
                provider: existing.provider, account: existing.account, orderID: existing.id)
        }
        let now = clock.now()
        let result = try await store.updateOrder(id: existing.id) { [validation] order in
            switch order.status {
            case .failed, .expired:
                if case .answered(.payment(let report))? = validation?.outcome, report.state == .paid, report.amount == nil || report.amount == order.amount {
                    let change = order.change(
                        applying: .paid, source: .query,
                        evidence: Evidence(summary: "the previous attempt was paid (checked before paying again)", providerStatus: report.providerStatus, amount: report.amount),
                        at: now, audit: [inboundAudit(order.id, "create order -> already_paid", command, now)] + (validation.map { [$0.audit] } ?? []))
                    return OrderChange(
                        order: change.order, events: change.events, audit: change.audit, reviews: change.reviews,
                        result: CreateOrderResult(outcome: .alreadyPaid, order: change.committed(over: order)))
                }
                var change = order.change(
                    applying: .reinitiated, source: .merchantAPI, evidence: Evidence(summary: "merchant paid again under the same number"),
                    at: now, audit: [inboundAudit(order.id, "create order -> reinitiated", command, now)] + (validation.map { [$0.audit] } ?? []))
                change.order?.check = .start(policy.schedule(for: order.provider), anchor: now)
                return OrderChange(
                    order: change.order, events: change.events, audit: change.audit, reviews: change.reviews,
                    result: CreateOrderResult(outcome: .reinitiated, order: change.committed(over: order)))
            case .paid, .canceled:
                let outcome: CreateOrderResult.Outcome = order.status == .paid ? .alreadyPaid : .alreadyCanceled
                return OrderChange(
                    order: nil, audit: [inboundAudit(order.id, "create order -> \(outcome.rawValue)", command, now)],
                    result: CreateOrderResult(outcome: outcome, order: order))
            case .created, .pending, .closing:
                return OrderChange(
                    order: nil, audit: [inboundAudit(order.id, "create order -> existing", command, now)],
                    result: CreateOrderResult(outcome: .existing, order: order))
            }
        }
        return result.outcome == .reinitiated ? try await submit(result.order, outcome: .reinitiated) : result
    }

    /// Sends the create call for the order's current attempt and records what came of it: the
    /// gateway's number and checkout on `submitted`, `failed` on a refusal, nothing but the audit
    /// row when there is no verdict (the order stays `created`: unknown at the gateway).
    private func submit(_ order: Order, outcome: CreateOrderResult.Outcome) async throws -> CreateOrderResult {
        let call = await gateways.perform(.createPayment(creation(order)), provider: order.provider, account: order.account, orderID: order.id)
        let now = clock.now()
        let attempt = order.attempt
        switch call.outcome {
        case .answered(.paymentCreated(let created)):
            let evidence = Evidence(summary: "gateway accepted the create", reference: created.gatewayOrderNumber)
            let stored = try await store.updateOrder(id: order.id) { current in
                var change = current.change(applying: .submitted, source: .gateway, evidence: evidence, at: now, audit: [call.audit])
                // A callback may have beaten this answer; the gateway's number still belongs on the attempt.
                if current.attempt == attempt, current.gatewayOrderNumber == nil {
                    var updated = change.order ?? current
                    if change.order == nil { updated.updatedAt = now }
                    updated.gatewayOrderNumber = created.gatewayOrderNumber
                    updated.checkout = Checkout(url: created.payURL, qrContent: created.qrContent)
                    change.order = updated
                }
                return change.with(result: change.committed(over: current))
            }
            return CreateOrderResult(outcome: outcome, order: stored, submission: .accepted)
        case .refused(let code, let message):
            let evidence = Evidence(summary: "gateway refused the create: \(message)", providerStatus: code)
            let stored = try await store.updateOrder(id: order.id) { current in
                let change = current.change(applying: .failed, source: .gateway, evidence: evidence, at: now, audit: [call.audit])
                return change.with(result: change.committed(over: current))
            }
            return CreateOrderResult(outcome: outcome, order: stored, submission: .refused(code: code, message: message))
        case .failed(let failure):
            try await store.appendAudit([call.audit])
            return CreateOrderResult(outcome: outcome, order: order, submission: .unknown(failure))
        case .answered:
            let failure = GatewayFailure(.malformedResponse, "the gateway answered the create with something else")
            try await store.appendAudit([call.audit])
            return CreateOrderResult(outcome: outcome, order: order, submission: .unknown(failure))
        }
    }

    private func creation(_ order: Order) -> PaymentCreation {
        PaymentCreation(
            merchantOrderNumber: order.merchantOrderNumber.rawValue, amount: order.amount, subject: order.subject,
            notifyURL: callbacks.notifyURL(provider: order.provider.rawValue, account: order.account.rawValue))
    }

    /// Refuses, before anything is stored, an order its gateway cannot take (no adapter for the
    /// account, or an amount the gateway cannot write, such as LAK with decimals at NewPay).
    private func checkRepresentable(_ command: CreateOrderCommand, number: MerchantOrderNumber, now: Timestamp) throws {
        guard let adapter = gateways.directory.adapter(command.provider, account: command.account) else {
            throw PaySyncError.providerNotConfigured(command.provider, account: command.account)
        }
        let probe = PaymentCreation(merchantOrderNumber: number.rawValue, amount: command.amount, subject: command.subject, notifyURL: callbacks.baseURL)
        do { _ = try adapter.request(for: .createPayment(probe), now: now, nonce: "probe") } catch {
            throw PaySyncError(.invalid, code: "amount_not_representable", message: error.message, field: "amount")
        }
    }

    /// The order, or a `notFound` error.
    public func order(id: OrderID) async throws -> Order {
        guard let order = try await store.order(id: id) else { throw Self.notFound(id) }
        return order
    }

    /// The order with this merchant number in `account`, or a `notFound` error.
    public func order(account: MerchantAccountID, number: MerchantOrderNumber) async throws -> Order {
        guard let order = try await store.order(account: account, number: number) else {
            throw PaySyncError(.notFound, code: "order_not_found", message: "no order \(number) for account \(account)")
        }
        return order
    }

    /// The order's refunds, oldest first, or a `notFound` error when there is no such order.
    public func refunds(id: OrderID) async throws -> [Refund] {
        _ = try await order(id: id)
        return try await store.refunds(orderID: id)
    }

    public func list(_ query: OrderQuery) async throws -> OrderPage {
        try await store.listOrders(query)
    }

    /// The most callbacks a timeline lists (the newest): a callback needs no login, so forged ones
    /// naming an order must not make its timeline unbounded.
    public static let timelineCallbacks = 500

    /// The order's events and audit rows in the order they were written, with every callback that
    /// named it or one of its refunds — refused ones included, the newest `timelineCallbacks` —
    /// merged in by time of receipt.
    public func timeline(id: OrderID) async throws -> [TimelineEntry] {
        guard let order = try await store.order(id: id) else { throw Self.notFound(id) }
        let numbers = [order.merchantOrderNumber.rawValue] + (try await store.refunds(orderID: id)).map(\.refundNumber)
        let callbacks = try await store.inboxEntries(account: order.account, naming: numbers, limit: Self.timelineCallbacks)
        return TimelineEntry.merging(try await store.timeline(orderID: id), callbacks: callbacks)
    }

    /// Asks to close an unpaid order. Created and pending orders move to `closing` (the gateway is
    /// queried, then asked to cancel); failed and expired ones are canceled at once; a canceled
    /// or closing order answers as it is; a paid order is refused with `order_already_paid`.
    public func cancel(id: OrderID) async throws -> (decision: OrderDecision, order: Order) {
        let now = clock.now()
        do {
            return try await store.updateOrder(id: id) { order in
                let audit = AuditRecord(orderID: order.id, kind: .inbound, summary: "cancel order requested", at: now)
                let change = order.change(
                    applying: .cancelRequested, source: .merchantAPI, evidence: Evidence(summary: "merchant asked to cancel"), at: now,
                    audit: [audit])
                return OrderChange(
                    order: change.order, events: change.events, audit: change.audit, reviews: change.reviews,
                    result: (change.result, change.committed(over: order)))
            }
        } catch let error as StoreError where error.code == .orderNotFound {
            throw Self.notFound(id)
        }
    }

    private func validate(_ command: CreateOrderCommand) throws {
        guard policy.accounts.contains(command.account) else {
            throw PaySyncError(.invalid, code: "unknown_account", message: "no merchant account \"\(command.account)\" is configured", field: "account")
        }
        guard policy.providers.contains(command.provider) else {
            throw PaySyncError(
                .invalid, code: "unknown_provider",
                message: "provider \"\(command.provider)\" is not enabled; enabled: \(policy.providers.map(\.rawValue).sorted().joined(separator: ", "))",
                field: "provider")
        }
        guard command.amount.minorUnits > 0 else {
            throw PaySyncError(.invalid, code: "amount_not_positive", message: "the amount must be greater than zero", field: "amount")
        }
        let subject = command.subject
        guard !subject.allSatisfy(\.isWhitespace) else {
            throw PaySyncError(.invalid, code: "subject_empty", message: "the subject is empty", field: "subject")
        }
        guard subject.count <= policy.maximumSubjectLength else {
            throw PaySyncError(
                .invalid, code: "subject_too_long", message: "the subject is longer than \(policy.maximumSubjectLength) characters",
                field: "subject")
        }
    }

    static func notFound(_ id: OrderID) -> PaySyncError {
        PaySyncError(.notFound, code: "order_not_found", message: "no order \(id)")
    }
}

private func inboundAudit(_ id: OrderID, _ summary: String, _ command: CreateOrderCommand, _ now: Timestamp) -> AuditRecord {
    AuditRecord(
        orderID: id, kind: .inbound, summary: summary,
        detail: "account=\(command.account) provider=\(command.provider) amount=\(command.amount) number=\(command.merchantOrderNumber?.rawValue ?? "(generated)")",
        at: now)
}

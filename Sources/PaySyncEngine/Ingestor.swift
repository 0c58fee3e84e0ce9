import Foundation
import Logging
import PaySyncCore
import PaySyncGateways
import PaySyncStore

/// Turns gateway callbacks into order changes, exactly once, without ever losing one.
///
/// For each request, in this order: (1) record the raw request in the inbox — the first write of
/// the one transaction that also holds its verdict, kept even if its resolution fails; (2) bound the body
/// and check its content type and (3) verify and parse it with the gateway's adapter, both pure;
/// (4) claim its dedup key — a redelivery, however late, is a duplicate; (5) match the order and
/// check amount, currency and merchant; (6) apply the state machine's decision under the order's
/// lock; (7) answer in the gateway's dialect, only after the commit. If the commit fails the
/// gateway gets its negative answer and redelivers.
public struct Ingestor: Sendable {
    public let store: any PaySyncStore
    let clock: any PaySyncClock
    let directory: GatewayDirectory
    let accounts: Set<MerchantAccountID>
    let metrics: IngestMetrics
    /// The largest body verified; larger ones are recorded (truncated) and refused with 413.
    public let maxBodyBytes: Int
    /// Called with the order a well-formed callback claims to be about when its signature fails:
    /// at most a (rate-limited) gateway query — an unverified callback is never applied.
    let onUnverified: (@Sendable (Order) async -> Void)?
    /// Called after a verified payment for a closed order was committed to review (paid after
    /// canceled), with the order's account and number: the late-payment refund, when configured.
    let onLatePayment: (@Sendable (MerchantAccountID, String) async -> Void)?
    let logger: Logger
    /// Failed store writes in a row: the first of a streak is logged, and the first success after it.
    let streaks = FailureStreaks()

    public init(
        store: any PaySyncStore, clock: any PaySyncClock, directory: GatewayDirectory, accounts: Set<MerchantAccountID>,
        metrics: IngestMetrics = IngestMetrics(), maxBodyBytes: Int = 65_536, onUnverified: (@Sendable (Order) async -> Void)? = nil,
        onLatePayment: (@Sendable (MerchantAccountID, String) async -> Void)? = nil, logger: Logger = Logger(label: "paysync.ingestor")
    ) {
        self.logger = logger
        self.onUnverified = onUnverified
        self.onLatePayment = onLatePayment
        self.store = store
        self.clock = clock
        self.directory = directory
        self.accounts = accounts
        self.metrics = metrics
        self.maxBodyBytes = maxBodyBytes
    }

    /// One inbound callback. `body` may hold up to `maxBodyBytes + 1` bytes; `bodyTruncated`
    /// says more arrived than was kept; `bodyEnded` says why the body stopped before its end (the
    /// client closed early): what arrived is recorded and refused.
    public func ingest(
        provider providerText: String, account accountText: String, headers: [String: String], body: [UInt8], bodyTruncated: Bool,
        bodyEnded: String? = nil, remoteAddress: String?
    ) async -> CallbackReply {
        let started = ContinuousClock.now
        guard let provider = try? ProviderID(providerText), let account = try? MerchantAccountID(accountText) else {
            return Self.error(404, "unknown_callback_route", "no callback route for \(providerText)/\(accountText)", verdict: .rejected, inboxID: nil)
        }
        let gatewayMetrics = metrics.gateway(provider.rawValue)
        gatewayMetrics.received()
        // 1. Record first: the raw request is written in the same transaction as its verdict, before
        // the verdict, and stays written if the resolution fails. Checks 2–3 are pure: nothing is
        // acknowledged, and nothing can be lost, before that transaction commits.
        let now = clock.now()
        let entry = NewInboxEntry(provider: provider, account: account, receivedAt: now, remoteAddress: remoteAddress, headers: headers, body: body)
        let reply = await resolve(
            .new(entry), provider, account, headers: headers, body: body, bodyTruncated: bodyTruncated, bodyEnded: bodyEnded, receivedAt: now, now: now)
        let elapsed = started.duration(to: .now)
        gatewayMetrics.outcome(of: reply, nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return reply
    }

    /// Resolves an entry again from its stored bytes: a parked callback whose order now exists, one
    /// whose resolution a crash interrupted, or one an operator replays. Duplicates and verdicts
    /// follow the same rules; a signed timestamp is judged against the time the entry arrived.
    @discardableResult
    public func replay(_ entry: InboxEntry) async -> CallbackReply {
        await resolve(
            .recorded(id: entry.id), entry.provider, entry.account, headers: entry.headers, body: entry.body, bodyTruncated: entry.body.count > maxBodyBytes,
            receivedAt: entry.receivedAt, now: clock.now())
    }

    /// Replays the callbacks parked for `order`'s number (they arrived before the order); returns
    /// how many there were.
    @discardableResult
    public func matchParked(_ order: Order) async throws -> Int {
        let parked = try await store.parkedInbox(provider: order.provider, account: order.account, merchantOrderNumber: order.merchantOrderNumber.rawValue)
        for entry in parked { await replay(entry) }
        return parked.count
    }

    /// Replays entries whose resolution never finished (call at start-up); returns how many were
    /// resolved. Stops when a batch resolves none (the store is failing: the entries stay
    /// `received`, and the failure was logged).
    public func replayUnresolved() async throws -> Int {
        var count = 0
        while true {
            let batch = try await store.unresolvedInbox(limit: 100)
            if batch.isEmpty { return count }
            var resolved = 0
            for entry in batch where await replay(entry).verdict != .received { resolved += 1 }
            if resolved == 0 { return count }
            count += resolved
        }
    }

    /// Steps 2–7 for a recorded or new entry: bound, check, verify (a signed timestamp against
    /// `receivedAt`), then resolve in the store at `now`.
    private func resolve(
        _ subject: InboxSubject, _ provider: ProviderID, _ account: MerchantAccountID, headers: [String: String], body: [UInt8], bodyTruncated: Bool,
        bodyEnded: String? = nil, receivedAt: Timestamp, now: Timestamp
    ) async -> CallbackReply {
        // 2. Bound and check the content type.
        guard let adapter = directory.adapter(provider, account: account), accounts.contains(account) else {
            return await reject(subject, provider, 404, "unknown_gateway", "no \(provider) credentials are configured for account \(account)", claimed: nil)
        }
        let request = InboundCallback(headers: headers, body: body)
        // The number a refused body claims, so the refusal shows on that order's timeline.
        let claimed = { adapter.claimedOrderNumber(request).flatMap { $0.utf8.count <= 64 ? $0 : nil } }
        if bodyTruncated {
            return await reject(subject, provider, 413, "body_too_large", "the callback body is larger than \(maxBodyBytes) bytes", claimed: nil)
        }
        if let bodyEnded {
            return await reject(
                subject, provider, 400, "incomplete_body", "the body ended after \(body.count) bytes, before its announced length (\(bodyEnded))",
                claimed: claimed())
        }
        guard isJSONContentType(headers["content-type"]) else {
            return await reject(
                subject, provider, 415, "unsupported_media_type", "callbacks are application/json (got \(headers["content-type"] ?? "none"))", claimed: claimed())
        }
        // 3. Verify and parse.
        let event: CallbackEvent
        do {
            event = try adapter.callback(request, now: receivedAt)
        } catch {
            let number = claimed()
            let reply = await reject(subject, provider, Self.status(for: error.reason), error.reason.rawValue, error.message, claimed: number)
            if [.missingSignature, .badSignature, .staleTimestamp].contains(error.reason), let onUnverified, let number,
                let order = await claimedOrder(account, number, reply: reply), order.provider == provider, !order.status.isSettledAttempt
            {
                await onUnverified(order)
            }
            return reply
        }
        if let merchant = event.subject.merchantID, merchant != adapter.merchantIdentity {
            return await reject(
                subject, provider, Self.status(for: .wrongMerchant), CallbackRejection.Reason.wrongMerchant.rawValue,
                "the callback names merchant \(merchant), not \(adapter.merchantIdentity)", claimed: Self.target(of: event.subject).number)
        }
        // 4–6. Deduplicate, match, decide, apply — one transaction.
        do {
            let resolution = try await store.resolveInbox(
                subject, provider: provider, account: account, dedupKey: event.dedupKey, target: Self.target(of: event.subject)
            ) { record, inboxID in
                try Self.decide(event.subject, about: record, provider: provider, inboxID: inboxID, now: now)
            }
            if case .payment = event.subject, case .decided(.review, ReviewReason.paidAfterCanceled.rawValue?) = resolution.outcome, let onLatePayment {
                await onLatePayment(account, Self.target(of: event.subject).number)
            }
            return heard(resolution, provider, adapter: adapter)
        } catch {
            return unrecorded(subject, provider, error)
        }
    }

    /// The record a callback's event is about.
    static func target(of event: CallbackEvent.Subject) -> CallbackTarget {
        switch event {
        case .payment(let report): .order(number: report.merchantOrderNumber)
        case .refund(let report): .refund(number: report.refundNumber)
        case .payout(let report): .payout(number: report.payoutNumber)
        }
    }

    /// The one decision function of ingestion: a verified event against the record it names, as
    /// committed and locked (or none yet: parked). Pure; the store calls it inside the transaction
    /// that records the verdict.
    static func decide(_ event: CallbackEvent.Subject, about record: CallbackRecord?, provider: ProviderID, inboxID: Int64, now: Timestamp) throws -> CallbackDecision {
        switch (event, record) {
        case (.payment(let report), .order(let order)?):
            return decide(report, for: order, provider: provider, inboxID: inboxID, now: now)
        case (.payment(let report), nil):
            return CallbackDecision(verdict: .parked, reason: "unknown_order", detail: "no order \(report.merchantOrderNumber) yet")
        case (.refund(let report), .refund(let refund)?):
            let (verdict, reason, updated, audit) = decide(refund, report, provider: provider, inboxID: inboxID, now: now)
            return CallbackDecision(verdict: verdict, reason: reason, change: .refund(updated, audit: audit))
        case (.refund, nil):
            return CallbackDecision(verdict: .parked, reason: "unknown_refund")
        case (.payout(let report), .payout(let payout)?):
            let (verdict, reason, updated, audit) = decide(payout, report, provider: provider, inboxID: inboxID, now: now)
            return CallbackDecision(verdict: verdict, reason: reason, change: .payout(updated, audit: audit))
        case (.payout, nil):
            return CallbackDecision(verdict: .parked, reason: "unknown_payout")
        case (.payment, _?), (.refund, _?), (.payout, _?):
            throw StoreError(.mismatchedRecord, "the store matched a record of another kind than the callback's target")
        }
    }

    /// The verdict for a verified payment report against the matched order (or none).
    ///
    /// A callback about a known order leaves one line on that order's timeline: the event of its
    /// decision (applied, unchanged, review or refused), whose summary states the gateway's status
    /// and the verdict and whose reference names the inbox entry, the raw request. Only a callback
    /// that cannot be an event of the order — the order is another gateway's — leaves an audit row
    /// instead.
    static func decide(_ report: PaymentReport, for order: Order, provider: ProviderID, inboxID: Int64, now: Timestamp) -> CallbackDecision {
        let input = report.state.orderInput
        func summary(_ verdict: InboxVerdict, _ reason: String?) -> String {
            "callback \(provider) \(report.providerStatus) -> \(verdict.rawValue)\(reason.map { " (\($0))" } ?? "")"
        }
        func evidence(_ verdict: InboxVerdict, _ reason: String?) -> Evidence {
            Evidence(summary: summary(verdict, reason), providerStatus: report.providerStatus, amount: report.amount, reference: "inbox:\(inboxID)")
        }
        guard order.provider == provider else {
            let reason = ReviewReason.providerMismatch.rawValue
            let audit = AuditRecord(
                orderID: order.id, kind: .inbound, summary: summary(.review, reason),
                detail: "inbox \(inboxID); gateway order \(report.gatewayOrderNumber ?? "-"); amount \(report.amount?.description ?? "-")",
                operation: "callback", outcome: InboxVerdict.review.rawValue, at: now)
            // Verified money news about an order of another gateway: an operator looks at it.
            let review = NewReviewItem(
                reason: .providerMismatch,
                detail: "a verified \(provider) callback names order \(order.merchantOrderNumber), which is at \(order.provider) (inbox \(inboxID))", at: now)
            return CallbackDecision(
                verdict: .review, reason: reason, detail: "order \(order.merchantOrderNumber) is at \(order.provider)",
                change: .order(OrderChange(order: nil, audit: [audit], reviews: [review], result: ())))
        }
        if let amount = report.amount(differingFrom: order.amount) {
            // A verified message with another amount, stated or paid, never changes money state: it goes to review.
            let reason: ReviewReason = amount.currency == order.amount.currency ? .amountMismatch : .currencyMismatch
            let event = OrderEvent(
                kind: input.rawValue, source: .callback, from: order.status, to: order.status, outcome: .review, attempt: order.attempt,
                evidence: evidence(.review, reason.rawValue), at: now)
            let review = NewReviewItem(reason: reason, detail: "callback states \(amount); the order is \(order.amount) (inbox \(inboxID))", at: now)
            return CallbackDecision(
                verdict: .review, reason: reason.rawValue, detail: review.detail,
                change: .order(OrderChange(order: nil, events: [event], reviews: [review], result: ())))
        }
        let verdict: InboxVerdict
        let reason: String?
        switch OrderStateMachine.decide(input, in: order.status) {
        case .transition: (verdict, reason) = (.applied, nil)
        case .unchanged, .refused: (verdict, reason) = (.unchanged, nil)
        case .review(let why): (verdict, reason) = (.review, why.rawValue)
        }
        let change = order.change(applying: input, source: .callback, evidence: evidence(verdict, reason), at: now)
        return CallbackDecision(verdict: verdict, reason: reason, change: .order(change.with(result: ())))
    }

    /// The order an unverified callback names, for a query about it; a failed read is logged and
    /// only costs that query. A claimed number that is no order number names no order: the
    /// callback's refusal is already recorded, and there is nothing to ask the gateway about.
    private func claimedOrder(_ account: MerchantAccountID, _ claimed: String, reply: CallbackReply) async -> Order? {
        let number: MerchantOrderNumber
        do { number = try MerchantOrderNumber(claimed) } catch { return nil }
        do {
            return try await store.order(account: account, number: number)
        } catch {
            logger.error(
                "order read failed after an unverified callback", metadata: ["paysync.inbox": "\(reply.inboxID.map(String.init) ?? "-")", "paysync.order_number": "\(number)", "error": "\(error)"])
            return nil
        }
    }

    /// The verdict on a refund or payout callback, with its reason and audit row: a stated amount
    /// that differs is not believed (review); a final record never moves (unchanged).
    static func decide<Record: MoneyOutRecord>(
        _ record: Record, _ report: some MoneyOutReport, provider: ProviderID, inboxID: Int64, now: Timestamp
    ) -> (InboxVerdict, String?, Record?, [AuditRecord]) {
        var record = record
        let (number, providerStatus) = (report.number, report.providerStatus)
        func audit(_ verdict: InboxVerdict, _ reason: String?) -> [AuditRecord] {
            [
                AuditRecord(
                    orderID: record.auditOrderID, kind: .inbound,
                    summary: "\(Record.noun) callback \(provider) \(providerStatus) -> \(verdict.rawValue)\(reason.map { " (\($0))" } ?? "")",
                    detail: "inbox \(inboxID); \(Record.noun) \(number)", operation: "\(Record.noun)_callback", outcome: verdict.rawValue, at: now)
            ]
        }
        if let amount = report.amount, amount != record.amount { return (.review, "amount_mismatch", nil, audit(.review, "amount_mismatch")) }
        guard let progress = record.progress.notified(report.status, gatewayNumber: report.gatewayNumber) else {
            return (.unchanged, nil, nil, audit(.unchanged, nil))
        }
        record.progress = progress
        record.updatedAt = now
        return (.applied, nil, record, audit(.applied, nil))
    }

    /// The gateway's acknowledgement for a committed resolution (7. only after the commit), or its
    /// negative answer when the resolution did not commit (the entry stays `received`): the
    /// gateway will redeliver, and start-up resolves the entry again.
    static func reply(_ resolution: InboxResolution, adapter: any GatewayAdapter) -> CallbackReply {
        let ack = adapter.acknowledgement(accepted: resolution.verdict != .received)
        return CallbackReply(
            status: ack.status, contentType: ack.contentType, body: ack.body, verdict: resolution.verdict, reason: resolution.reason, inboxID: resolution.id)
    }

    /// The answer when the callback could not even be recorded: the gateway must redeliver.
    static var unrecorded: CallbackReply {
        error(503, "inbox_unavailable", "the callback could not be recorded; redeliver", verdict: .received, inboxID: nil)
    }

    /// The reply to a resolution that reached the store; one that did not commit (its entry stays
    /// `received`) counts as a failure of the store.
    private func heard(_ resolution: InboxResolution, _ provider: ProviderID, adapter: any GatewayAdapter) -> CallbackReply {
        if case .notCommitted(let error) = resolution.outcome {
            storeFailed(.recorded(id: resolution.id), provider, inboxID: resolution.id, "the resolution did not commit; the entry stays received: \(error)")
        } else {
            storeAnswered()
        }
        return Self.reply(resolution, adapter: adapter)
    }

    /// A callback the store could not record (or, replayed, not resolve): 503, so the gateway redelivers.
    private func unrecorded(_ subject: InboxSubject, _ provider: ProviderID, _ error: any Error) -> CallbackReply {
        storeFailed(subject, provider, inboxID: nil, "\(error)")
        if case .recorded(let id) = subject {
            return Self.error(503, "inbox_unavailable", "the callback could not be resolved; redeliver", verdict: .received, inboxID: id)
        }
        return Self.unrecorded
    }

    /// Logs the first store failure of a streak, with the callback's gateway and inbox entry.
    private func storeFailed(_ subject: InboxSubject, _ provider: ProviderID, inboxID: Int64?, _ error: String) {
        guard streaks.failed("store") else { return }
        var id = inboxID
        if case .recorded(let recorded) = subject { id = recorded }
        logger.error(
            "callbacks cannot be stored; answering 503 until the store recovers",
            metadata: ["paysync.provider": "\(provider)", "paysync.inbox": "\(id.map(String.init) ?? "-")", "error": "\(error)"])
    }

    /// Logs the end of a store failure streak.
    private func storeAnswered() {
        guard let failures = streaks.succeeded("store") else { return }
        logger.notice("callbacks are stored again", metadata: ["paysync.failures": "\(failures)"])
    }

    private func reject(
        _ subject: InboxSubject, _ provider: ProviderID, _ status: Int, _ reason: String, _ message: String, claimed: String?
    ) async -> CallbackReply {
        do {
            let inboxID = try await store.rejectInbox(subject, reason: reason, detail: message, claimedNumber: claimed)
            storeAnswered()
            return Self.error(status, reason, message, verdict: .rejected, inboxID: inboxID)
        } catch {
            return unrecorded(subject, provider, error)
        }
    }

    static func status(for reason: CallbackRejection.Reason) -> Int {
        switch reason {
        case .missingSignature, .badSignature, .staleTimestamp: 401
        case .malformedBody, .invalidUTF8, .duplicateKey, .tooDeep, .missingField: 400
        case .unknownStatus, .invalidAmount, .unknownCurrency: 422
        case .wrongMerchant: 403
        }
    }

    static func error(_ status: Int, _ code: String, _ message: String, verdict: InboxVerdict, inboxID: Int64?) -> CallbackReply {
        // Encoding a dictionary of strings cannot fail.
        let body = try! JSONEncoder().encode(["error": ["code": code, "message": message]])
        return CallbackReply(status: status, contentType: "application/json", body: Array(body), verdict: verdict, reason: code, inboxID: inboxID)
    }
}

import PaySyncCore
import PaySyncEngine
import PaySyncStore

/// The body of `POST /v1/orders`.
struct CreateOrderBody: Decodable {
    let account: String?
    let provider: String
    /// Decimal text in major units: `"100"`, `"100.5"`, `"100.50"`.
    let amount: String
    let currency: String
    let subject: String
    let merchantOrderNumber: String?
}

/// A create or cancel answer: what happened, and the order as it now stands.
struct OrderOutcomeBody: Encodable {
    let outcome: String
    let order: OrderResource
    /// Why the gateway's answer is unknown, with outcome `unknown_at_gateway`.
    var gatewayError: String? = nil
}

struct OrderListBody: Encodable {
    let orders: [OrderResource]
    let nextCursor: String?
}

/// One timeline line: `type` is `event` (a state-machine event) or `audit` (an audit row).
struct TimelineEntryBody: Encodable {
    let type: String
    let at: String
    let kind: String
    // Events
    let source: String?
    let from: String?
    let to: String?
    let outcome: String?
    let attempt: Int?
    let providerStatus: String?
    let amount: String?
    let currency: String?
    let reference: String?
    // Both
    let summary: String
    // Audit rows
    let detail: String?
    let latencyMs: Int64?
    let error: String?
    // Callbacks
    var inboxId: Int64?
    var provider: String?
    var verdict: String?
    var reason: String?

    init(_ entry: TimelineEntry) {
        switch entry {
        case .event(let event):
            type = "event"
            at = event.at.iso8601
            kind = event.kind
            source = event.source.rawValue
            from = event.from?.rawValue
            to = event.to.rawValue
            outcome = event.outcome.rawValue
            attempt = event.attempt
            providerStatus = event.evidence.providerStatus
            amount = event.evidence.amount?.decimalString
            currency = event.evidence.amount?.currency.code
            reference = event.evidence.reference
            summary = event.evidence.summary
            detail = nil
            latencyMs = nil
            error = nil
        case .audit(let record):
            type = "audit"
            at = record.at.iso8601
            kind = record.kind.rawValue
            source = nil
            from = nil
            to = nil
            outcome = nil
            attempt = nil
            providerStatus = nil
            amount = nil
            currency = nil
            reference = nil
            summary = record.summary
            detail = record.detail
            latencyMs = record.latencyMilliseconds
            error = record.error
        case .callback(let entry):
            type = "callback"
            at = entry.receivedAt.iso8601
            kind = "inbound"
            (source, from, to, outcome, attempt, providerStatus, amount, currency) = (nil, nil, nil, nil, nil, nil, nil, nil)
            reference = "inbox:\(entry.id)"
            summary = "\(entry.provider) callback \(entry.outcome.verdictText)"
            detail = entry.detail
            latencyMs = nil
            error = nil
            (inboxId, provider, verdict, reason) = (entry.id, entry.provider.rawValue, entry.verdict.rawValue, entry.reason)
        }
    }
}

struct TimelineBody: Encodable {
    let orderId: String
    let entries: [TimelineEntryBody]
}

/// An amount as the API writes every amount: exact decimal text in major units, minor units, currency.
struct MoneyBody: Encodable {
    let amount: String
    let amountMinor: Int64
    let currency: String

    init(_ money: Money) {
        amount = money.decimalString
        amountMinor = money.minorUnits
        currency = money.currency.code
    }
}

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

/// One timeline line: `type` is `event` (a state-machine event), `audit` (an audit row) or
/// `callback` (a recorded callback naming the order). Fields a line has no value for are left out.
struct TimelineEntryBody: Encodable {
    let type: String
    let at: String
    let kind: String
    let summary: String
    // Events
    var source: String?
    var from: String?
    var to: String?
    var outcome: String?
    var attempt: Int?
    var providerStatus: String?
    var amount: String?
    var currency: String?
    // Events and callbacks
    var reference: String?
    // Audit rows and callbacks
    var detail: String?
    // Audit rows
    var latencyMs: Int64?
    var error: String?
    // Callbacks
    var inboxId: Int64?
    var provider: String?
    var verdict: String?
    var reason: String?

    init(_ entry: TimelineEntry) {
        switch entry {
        case .event(let event):
            (type, at, kind, summary) = ("event", event.at.iso8601, event.kind, event.evidence.summary)
            source = event.source.rawValue
            from = event.from?.rawValue
            to = event.to.rawValue
            outcome = event.outcome.rawValue
            attempt = event.attempt
            providerStatus = event.evidence.providerStatus
            amount = event.evidence.amount?.decimalString
            currency = event.evidence.amount?.currency.code
            reference = event.evidence.reference
        case .audit(let record):
            (type, at, kind, summary) = ("audit", record.at.iso8601, record.kind.rawValue, record.summary)
            detail = record.detail
            latencyMs = record.latencyMilliseconds
            error = record.error
        case .callback(let entry):
            (type, at, kind, summary) = ("callback", entry.receivedAt.iso8601, "inbound", "\(entry.provider) callback \(entry.outcome.verdictText)")
            reference = "inbox:\(entry.id)"
            detail = entry.detail
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

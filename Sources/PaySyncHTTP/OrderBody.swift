import PaySyncCore
import PaySyncEngine
import PaySyncStore

/// An order as the API shows it. Amounts appear twice: `amount` as exact decimal text in major
/// units, `amountMinor` as integer minor units — never as a JSON floating-point number.
struct OrderBody: Codable, Hashable, Sendable {
    let id: String
    let account: String
    let merchantOrderNumber: String
    let provider: String
    let amount: String
    let amountMinor: Int64
    let currency: String
    let subject: String
    let status: String
    let attempt: Int
    let version: Int64
    let gatewayOrderNumber: String?
    /// The hosted page or deep link the customer pays at, once the gateway accepted the order.
    let checkoutUrl: String?
    /// QR-code content, when the gateway gives one.
    let checkoutQr: String?
    let createdAt: String
    let updatedAt: String

    init(_ order: Order) {
        id = order.id.rawValue
        account = order.account.rawValue
        merchantOrderNumber = order.merchantOrderNumber.rawValue
        provider = order.provider.rawValue
        amount = order.amount.decimalString
        amountMinor = order.amount.minorUnits
        currency = order.amount.currency.code
        subject = order.subject
        status = order.status.rawValue
        attempt = order.attempt
        version = order.version
        gatewayOrderNumber = order.gatewayOrderNumber
        checkoutUrl = order.checkout?.url
        checkoutQr = order.checkout?.qrContent
        createdAt = order.createdAt.iso8601
        updatedAt = order.updatedAt.iso8601
    }
}

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
    let order: OrderBody
    /// Why the gateway's answer is unknown, with outcome `unknown_at_gateway`.
    var gatewayError: String? = nil
}

struct OrderListBody: Encodable {
    let orders: [OrderBody]
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
        }
    }
}

struct TimelineBody: Encodable {
    let orderId: String
    let entries: [TimelineEntryBody]
}

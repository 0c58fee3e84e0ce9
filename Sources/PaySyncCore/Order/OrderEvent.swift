/// One entry of an order's event log: an input the state machine decided, where it came from, the
/// evidence behind it, and what it did. Rejected, duplicate and contradicting facts are logged too.
public struct OrderEvent: Hashable, Sendable {
    /// What happened: `"created"` for the order's first event, otherwise an `OrderInput` raw value.
    public let kind: String
    public let source: EventSource
    public let from: OrderStatus?
    public let to: OrderStatus
    public let outcome: Outcome
    public let attempt: Int
    public let evidence: Evidence
    public let at: Timestamp

    public init(
        kind: String, source: EventSource, from: OrderStatus?, to: OrderStatus, outcome: Outcome, attempt: Int,
        evidence: Evidence, at: Timestamp
    ) {
        self.kind = kind
        self.source = source
        self.from = from
        self.to = to
        self.outcome = outcome
        self.attempt = attempt
        self.evidence = evidence
        self.at = at
    }

    /// What an event did to its order.
    public enum Outcome: String, Hashable, Sendable, CaseIterable {
        case applied, unchanged, review, refused
    }
}

/// What caused an event: a human-readable summary plus the facts a reviewer needs.
public struct Evidence: Hashable, Sendable {
    public var summary: String
    /// The gateway's own status text (`"PAID_SUCCESS"`, `"2"`), when the event came from a gateway.
    public var providerStatus: String?
    /// The amount the source stated, when it stated one.
    public var amount: Money?
    /// A reference into another record: an inbox entry, a gateway transaction number, a request id.
    public var reference: String?

    public init(summary: String, providerStatus: String? = nil, amount: Money? = nil, reference: String? = nil) {
        self.summary = summary
        self.providerStatus = providerStatus
        self.amount = amount
        self.reference = reference
    }
}

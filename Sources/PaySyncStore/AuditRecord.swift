import PaySyncCore

/// One row of the append-only audit log: a request that reached PaySync, a call PaySync made to a
/// gateway, or an operator's action. State transitions live in the event log beside it.
public struct AuditRecord: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// A request that reached PaySync (merchant API, gateway callback, front-end report).
        case inbound
        /// A call PaySync made to a gateway: request summary, response summary, latency, error.
        case outbound
        /// Something an operator did (resolving a review item, replaying an inbox entry).
        case `operator`
        /// A decision PaySync took by itself (an automatic refund of a late payment).
        case system
    }

    public var orderID: OrderID?
    public var kind: Kind
    /// One line, e.g. `POST /v1/orders -> 201 created`.
    public var summary: String
    /// More detail: a request or response summary. Never a secret.
    public var detail: String?
    public var latencyMilliseconds: Int64?
    public var error: String?
    /// What was done, as a stable name: a gateway operation (`query_payment`, `cancel_payment`) or
    /// a request (`callback`, `refund_callback`); `nil` for a row that is only prose.
    public var operation: String?
    /// How it ended, as a stable word: `answered`, `refused` or `failed` for a gateway call; the
    /// verdict for a callback.
    public var outcome: String?
    public var at: Timestamp

    public init(
        orderID: OrderID?, kind: Kind, summary: String, detail: String? = nil, latencyMilliseconds: Int64? = nil,
        error: String? = nil, operation: String? = nil, outcome: String? = nil, at: Timestamp
    ) {
        self.operation = operation
        self.outcome = outcome
        self.orderID = orderID
        self.kind = kind
        self.summary = summary
        self.detail = detail
        self.latencyMilliseconds = latencyMilliseconds
        self.error = error
        self.at = at
    }
}

/// What an outbound event says happened. The catalogue, with an example payload per type, is in
/// docs/events.md; a receiver may subscribe to any subset.
public enum EventType: String, Hashable, Sendable, CaseIterable, Codable {
    case orderPending = "order.pending"
    case orderPaid = "order.paid"
    case orderFailed = "order.failed"
    case orderExpired = "order.expired"
    case orderCanceled = "order.canceled"
    /// A payment reached an order already closed: the order stays closed and a review item opens.
    case orderPaidAfterClose = "order.paid_after_close"
    case refundSucceeded = "refund.succeeded"
    case refundFailed = "refund.failed"
    case payoutSucceeded = "payout.succeeded"
    case payoutFailed = "payout.failed"
    case reviewOpened = "review.opened"
    case reviewResolved = "review.resolved"
}

/// The event types an endpoint receives: every type, or the listed ones.
public enum EventSelection: Hashable, Sendable {
    case all
    case only(Set<EventType>)

    public func includes(_ type: EventType) -> Bool {
        switch self {
        case .all: true
        case .only(let types): types.contains(type)
        }
    }

    /// The stored form both drivers match with one string search: `""` for all, otherwise every
    /// type between commas (`,order.paid,refund.failed,`), sorted.
    public var stored: String {
        switch self {
        case .all: ""
        case .only(let types): "," + types.map(\.rawValue).sorted().joined(separator: ",") + ","
        }
    }

    /// Reads `stored`; `nil` when it names a type that does not exist.
    public init?(stored: String) {
        guard !stored.isEmpty else {
            self = .all
            return
        }
        var types: Set<EventType> = []
        for name in stored.split(separator: ",") {
            guard let type = EventType(rawValue: String(name)) else { return nil }
            types.insert(type)
        }
        self = .only(types)
    }
}

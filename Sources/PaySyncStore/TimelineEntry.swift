import PaySyncCore

/// One line of an order's history: an event of its state machine or an audit row, in the order
/// they were written (within one transaction, the request's audit row before the event it caused).
public enum TimelineEntry: Hashable, Sendable {
    case event(OrderEvent)
    case audit(AuditRecord)

    public var at: Timestamp {
        switch self {
        case .event(let event): event.at
        case .audit(let record): record.at
        }
    }
}

extension PaySyncStore {
    /// The audit rows that concern an order, oldest first: its timeline without the events.
    public func audit(orderID: OrderID) async throws -> [AuditRecord] {
        try await timeline(orderID: orderID).compactMap {
            guard case .audit(let record) = $0 else { return nil }
            return record
        }
    }
}

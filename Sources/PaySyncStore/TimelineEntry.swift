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

import PaySyncCore

/// What one `updateOrder` commits: the order's new value (or `nil` to leave the row alone), the
/// events, audit rows and review items to append, and a result handed back to the caller.
public struct OrderChange<Result: Sendable>: Sendable {
    public var order: Order?
    public var events: [OrderEvent]
    public var audit: [AuditRecord]
    public var reviews: [NewReviewItem]
    public var result: Result

    public init(order: Order?, events: [OrderEvent] = [], audit: [AuditRecord] = [], reviews: [NewReviewItem] = [], result: Result) {
        self.order = order
        self.events = events
        self.audit = audit
        self.reviews = reviews
        self.result = result
    }

    /// The same change, handing back `result` instead.
    public func with<New: Sendable>(result: New) -> OrderChange<New> {
        OrderChange<New>(order: order, events: events, audit: audit, reviews: reviews, result: result)
    }
}

extension OrderChange {
    /// The order as it stands once this change commits over `current`: the written row one
    /// version later, or `current` when no row is written. Stores own `version`: they advance it
    /// on every write, whatever the change's order says, and nothing else sets it.
    public func committed(over current: Order) -> Order {
        guard var order else { return current }
        order.version = current.version + 1
        return order
    }
}

import PaySyncCore

/// An event written in the transaction of the change it reports (the transactional outbox), not
/// yet numbered: the store numbers it as it writes it.
public struct NewOutboxEvent: Hashable, Sendable {
    /// `evt_` and 32 hex digits; every delivery of the event carries it (`webhook-id`).
    public let id: String
    public let type: EventType
    public let account: MerchantAccountID
    /// The order the event is about (a refund's or a review's order too), for the feed's filter.
    public let orderID: OrderID?
    public let occurredAt: Timestamp
    /// The JSON delivered, byte for byte: `{"account","data","id","occurredAt","type"}` where
    /// `data` is the object as committed.
    public let payload: String

    public init(id: String, type: EventType, account: MerchantAccountID, orderID: OrderID?, occurredAt: Timestamp, payload: String) {
        self.id = id
        self.type = type
        self.account = account
        self.orderID = orderID
        self.occurredAt = occurredAt
        self.payload = payload
    }
}

/// A committed event, numbered in its account's commit order.
public struct OutboxEvent: Hashable, Sendable {
    public let id: String
    /// 1, 2, 3… per account, in the order the events committed: a reader who has seen position `p`
    /// has seen every earlier event of the account, and no event can later appear before `p`.
    public let position: Int64
    public let type: EventType
    public let account: MerchantAccountID
    public let orderID: OrderID?
    public let occurredAt: Timestamp
    public let payload: String

    public init(id: String, position: Int64, type: EventType, account: MerchantAccountID, orderID: OrderID?, occurredAt: Timestamp, payload: String) {
        self.id = id
        self.position = position
        self.type = type
        self.account = account
        self.orderID = orderID
        self.occurredAt = occurredAt
        self.payload = payload
    }
}

/// A filter and page position for `events`: one account's events in commit order.
public struct EventQuery: Hashable, Sendable {
    /// Whether an event reached its endpoints: `true` when it has deliveries and every one is
    /// delivered, `false` when one is still pending or failed.
    public enum Delivered: Hashable, Sendable { case yes, no }

    public var account: MerchantAccountID
    public var types: Set<EventType>
    public var orderID: OrderID?
    public var delivered: Delivered?
    /// Inclusive lower bound on `occurredAt`.
    public var occurredFrom: Timestamp?
    /// Exclusive upper bound on `occurredAt`.
    public var occurredBefore: Timestamp?
    /// Events after this position (a previous page's `next`, or 0 for the first).
    public var after: Int64
    public var limit: Int

    public init(
        account: MerchantAccountID, types: Set<EventType> = [], orderID: OrderID? = nil, delivered: Delivered? = nil,
        occurredFrom: Timestamp? = nil, occurredBefore: Timestamp? = nil, after: Int64 = 0, limit: Int = 100
    ) {
        self.account = account
        self.types = types
        self.orderID = orderID
        self.delivered = delivered
        self.occurredFrom = occurredFrom
        self.occurredBefore = occurredBefore
        self.after = after
        self.limit = limit
    }
}

/// One page of events. `last` is the position to continue after — the last event's, or the
/// query's own when the page is empty — so a reader polls with it whether or not more exist.
public struct EventPage: Hashable, Sendable {
    public let events: [OutboxEvent]
    public let last: Int64
    /// Whether more events matched past this page.
    public let hasMore: Bool

    public init(events: [OutboxEvent], last: Int64, hasMore: Bool) {
        self.events = events
        self.last = last
        self.hasMore = hasMore
    }
}

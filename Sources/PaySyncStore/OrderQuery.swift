import PaySyncCore

/// A filter and a page position for `listOrders`. Orders come newest first by `createdAt`, ties
/// broken by id, so a cursor stays valid while new orders arrive.
public struct OrderQuery: Hashable, Sendable {
    public var account: MerchantAccountID?
    public var status: OrderStatus?
    public var provider: ProviderID?
    /// The merchant's or the gateway's order number, exactly.
    public var number: String?
    /// Inclusive bounds on the amount in minor units (any currency).
    public var minimumMinor: Int64?
    public var maximumMinor: Int64?
    /// Inclusive lower bound on `createdAt`.
    public var createdFrom: Timestamp?
    /// Exclusive upper bound on `createdAt`.
    public var createdBefore: Timestamp?
    /// Start after this position (from a previous page's `next`).
    public var after: OrderCursor?
    public var limit: Int

    public init(
        account: MerchantAccountID? = nil, status: OrderStatus? = nil, provider: ProviderID? = nil, number: String? = nil,
        minimumMinor: Int64? = nil, maximumMinor: Int64? = nil, createdFrom: Timestamp? = nil, createdBefore: Timestamp? = nil, after: OrderCursor? = nil, limit: Int = 50
    ) {
        self.account = account
        self.status = status
        self.provider = provider
        self.number = number
        self.minimumMinor = minimumMinor
        self.maximumMinor = maximumMinor
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
        self.after = after
        self.limit = limit
    }
}

/// The position of the last order of a page.
public struct OrderCursor: Hashable, Sendable {
    public let createdAt: Timestamp
    public let id: OrderID

    public init(createdAt: Timestamp, id: OrderID) {
        self.createdAt = createdAt
        self.id = id
    }

    /// `<milliseconds>.<order id>`, opaque to API clients.
    public var token: String { "\(createdAt.millisecondsSinceEpoch).\(id.rawValue)" }

    public init?(token: String) {
        let parts = token.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let ms = Int64(parts[0]), let id = OrderID(rawValue: String(parts[1])) else { return nil }
        self.init(createdAt: Timestamp(millisecondsSinceEpoch: ms), id: id)
    }
}

/// One page of orders; `next` is `nil` on the last page.
public struct OrderPage: Hashable, Sendable {
    public let orders: [Order]
    public let next: OrderCursor?

    public init(orders: [Order], next: OrderCursor?) {
        self.orders = orders
        self.next = next
    }
}

import PaySyncCore

/// A fact that could not be applied without overwriting something (a failure after paid, money
/// after a close), parked for a person to decide.
public struct ReviewItem: Hashable, Sendable {
    public enum Status: String, Hashable, Sendable, CaseIterable {
        case open, resolved
    }

    public let id: Int64
    public let orderID: OrderID
    public let reason: ReviewReason
    public let detail: String
    public let openedAt: Timestamp
    public var status: Status
    public var resolvedAt: Timestamp?
    public var resolvedBy: String?
    public var note: String?

    public init(
        id: Int64, orderID: OrderID, reason: ReviewReason, detail: String, openedAt: Timestamp, status: Status, resolvedAt: Timestamp? = nil,
        resolvedBy: String? = nil, note: String? = nil
    ) {
        self.id = id
        self.orderID = orderID
        self.reason = reason
        self.detail = detail
        self.openedAt = openedAt
        self.status = status
        self.resolvedAt = resolvedAt
        self.resolvedBy = resolvedBy
        self.note = note
    }
}

/// A review item to open, as part of an `OrderChange`.
public struct NewReviewItem: Hashable, Sendable {
    public var reason: ReviewReason
    public var detail: String
    public var at: Timestamp

    public init(reason: ReviewReason, detail: String, at: Timestamp) {
        self.reason = reason
        self.detail = detail
        self.at = at
    }
}

import PaySyncCore

/// A review item as the API shows it and as events carry it.
public struct ReviewResource: Codable, Hashable, Sendable {
    public let id: Int64
    public let orderId: String
    public let reason: String
    public let detail: String
    public let status: String
    public let openedAt: String
    public let resolvedAt: String?
    public let resolvedBy: String?
    public let note: String?

    public init(_ item: ReviewItem) {
        id = item.id
        orderId = item.orderID.rawValue
        reason = item.reason.rawValue
        detail = item.detail
        status = item.status.rawValue
        openedAt = item.openedAt.iso8601
        resolvedAt = item.resolvedAt?.iso8601
        resolvedBy = item.resolvedBy
        note = item.note
    }
}

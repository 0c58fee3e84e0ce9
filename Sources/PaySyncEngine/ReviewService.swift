import PaySyncCore
import PaySyncStore

/// The review queue: facts PaySync would not apply without a person, and who closed each and why.
public struct ReviewService: Sendable {
    let store: any PaySyncStore
    public let clock: any PaySyncClock

    public init(store: any PaySyncStore, clock: any PaySyncClock) {
        self.store = store
        self.clock = clock
    }

    /// Review items, oldest first; only those with `status` when given.
    public func list(status: ReviewItem.Status?, limit: Int = 500) async throws -> [ReviewItem] {
        try await store.reviewItems(status: status, limit: limit)
    }

    /// Closes an item with who closed it and why (audited); resolving a resolved item changes
    /// nothing. A `notFound` error when there is no such item.
    public func resolve(id: Int64, by: String, note: String) async throws -> ReviewItem {
        do {
            return try await store.resolveReview(id: id, by: by, note: note, at: clock.now())
        } catch let error as StoreError where error.code == .reviewNotFound {
            throw PaySyncError(.notFound, code: "review_not_found", message: error.message)
        }
    }
}

import PaySyncCore
import PaySyncStore

/// Every callback PaySync recorded, refused ones included: what an operator reads to see why a
/// gateway's notification was not applied.
public struct InboxService: Sendable {
    let store: any PaySyncStore

    public init(store: any PaySyncStore) {
        self.store = store
    }

    public func list(_ query: InboxQuery) async throws -> InboxPage {
        try await store.inbox(query)
    }

    public func get(id: Int64) async throws -> InboxEntry {
        guard let entry = try await store.inboxEntry(id: id) else {
            throw PaySyncError(.notFound, code: "inbox_entry_not_found", message: "no inbox entry \(id)")
        }
        return entry
    }
}

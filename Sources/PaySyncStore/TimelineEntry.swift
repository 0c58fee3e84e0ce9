import PaySyncCore

/// One line of an order's history: an event of its state machine, an audit row, or a callback
/// that named the order, in the order they were written (within one transaction, the request's
/// audit row before the event it caused; a callback before what it caused).
public enum TimelineEntry: Hashable, Sendable {
    case event(OrderEvent)
    case audit(AuditRecord)
    /// A recorded callback naming the order or one of its refunds, whatever its verdict.
    case callback(InboxEntry)

    public var at: Timestamp {
        switch self {
        case .event(let event): event.at
        case .audit(let record): record.at
        case .callback(let entry): entry.receivedAt
        }
    }

    /// `entries` (events and audit rows, in write order) with `callbacks` (oldest first) merged
    /// in: a callback that caused an event (its evidence's `reference` is `inbox:<id>`) goes right
    /// before it; any other after every entry written by its receipt, so a callback stamped the
    /// same millisecond as the order's creation still follows it.
    public static func merging(_ entries: [TimelineEntry], callbacks: [InboxEntry]) -> [TimelineEntry] {
        var causes: [String: Int] = [:]
        for (index, entry) in entries.enumerated() {
            if case .event(let event) = entry, let reference = event.evidence.reference, causes[reference] == nil { causes[reference] = index }
        }
        var before: [Int: [InboxEntry]] = [:]
        var byTime: [InboxEntry] = []
        for callback in callbacks {
            if let index = causes["inbox:\(callback.id)"] { before[index, default: []].append(callback) } else { byTime.append(callback) }
        }
        var merged: [TimelineEntry] = []
        merged.reserveCapacity(entries.count + callbacks.count)
        var pending = byTime[...]
        for (index, entry) in entries.enumerated() {
            while let callback = pending.first, callback.receivedAt < entry.at {
                merged.append(.callback(callback))
                pending = pending.dropFirst()
            }
            merged += before[index, default: []].map(TimelineEntry.callback)
            merged.append(entry)
        }
        return merged + pending.map(TimelineEntry.callback)
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

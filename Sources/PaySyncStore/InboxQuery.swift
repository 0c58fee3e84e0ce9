import PaySyncCore

/// Which recorded callbacks to list, newest first: every filter that is set must hold.
public struct InboxQuery: Hashable, Sendable {
    public var provider: ProviderID?
    public var account: MerchantAccountID?
    public var verdict: InboxVerdict?
    public var reason: String?
    public var merchantOrderNumber: String?
    /// Received at or after.
    public var receivedFrom: Timestamp?
    /// Received before.
    public var receivedBefore: Timestamp?
    /// Entries older than this id: the previous page's `next`.
    public var beforeID: Int64?
    public var limit = 100

    public init() {}

    /// A condition on one column, as every driver writes it (`column op placeholder`).
    public struct Condition: Hashable, Sendable {
        public enum Value: Hashable, Sendable {
            case text(String)
            case integer(Int64)
        }

        public let column: String
        public let comparison: String
        public let value: Value
    }

    /// The query's conditions in one order, so the drivers filter alike and only their
    /// placeholders differ.
    public var conditions: [Condition] {
        var conditions: [Condition] = []
        func add(_ column: String, _ comparison: String, _ value: Condition.Value?) {
            if let value { conditions.append(Condition(column: column, comparison: comparison, value: value)) }
        }
        add("provider", "=", provider.map { .text($0.rawValue) })
        add("account", "=", account.map { .text($0.rawValue) })
        add("verdict", "=", verdict.map { .text($0.rawValue) })
        add("reason", "=", reason.map { .text($0) })
        add("merchant_order_number", "=", merchantOrderNumber.map { .text($0) })
        add("received_at", ">=", receivedFrom.map { .integer($0.millisecondsSinceEpoch) })
        add("received_at", "<", receivedBefore.map { .integer($0.millisecondsSinceEpoch) })
        add("id", "<", beforeID.map { .integer($0) })
        return conditions
    }
}

/// A page of recorded callbacks, newest first; `next` continues with older ones when there are.
public struct InboxPage: Sendable {
    public let entries: [InboxEntry]
    public let next: Int64?

    public init(entries: [InboxEntry], next: Int64?) {
        self.entries = entries
        self.next = next
    }

    /// The page of `limit` from `fetched`, which holds up to one row more than the page.
    public init(fetched: [InboxEntry], limit: Int) {
        entries = Array(fetched.prefix(limit))
        next = fetched.count > limit ? entries.last?.id : nil
    }
}

import PaySyncCore

/// What became of an inbound gateway callback.
public enum InboxVerdict: String, Hashable, Sendable, CaseIterable {
    /// Recorded, not resolved yet (a crash here leaves it for replay).
    case received
    /// Verified and applied: it moved the order.
    case applied
    /// Verified and consistent with the order (a repeat of a known fact, an in-progress status).
    case unchanged
    /// Verified but contradicting the order (amount, currency, a terminal status): in review.
    case review
    /// The same event as an earlier entry (`duplicateOf`).
    case duplicate
    /// Refused before it could be believed (signature, malformed body, …): `reason` says why.
    case rejected
    /// Verified, but no order matches yet: kept, and matched when the order appears.
    case parked
}

/// A callback as it reached PaySync, with its verdict. The raw bytes are kept for replay; what
/// its resolution decided is its `outcome`, read through the entry (`entry.verdict`, `entry.reason`, …).
@dynamicMemberLookup
public struct InboxEntry: Hashable, Sendable {
    public let id: Int64
    public let provider: ProviderID
    public let account: MerchantAccountID
    public let receivedAt: Timestamp
    public let remoteAddress: String?
    /// The request headers that matter for verification (lower-cased names).
    public let headers: [String: String]
    public let body: [UInt8]
    public var outcome: InboxOutcome

    public init(
        id: Int64, provider: ProviderID, account: MerchantAccountID, receivedAt: Timestamp, remoteAddress: String?, headers: [String: String],
        body: [UInt8], outcome: InboxOutcome
    ) {
        self.id = id
        self.provider = provider
        self.account = account
        self.receivedAt = receivedAt
        self.remoteAddress = remoteAddress
        self.headers = headers
        self.body = body
        self.outcome = outcome
    }

    public subscript<Value>(dynamicMember field: KeyPath<InboxOutcome, Value>) -> Value { outcome[keyPath: field] }
}

/// A raw callback to record.
public struct NewInboxEntry: Hashable, Sendable {
    public var provider: ProviderID
    public var account: MerchantAccountID
    public var receivedAt: Timestamp
    public var remoteAddress: String?
    public var headers: [String: String]
    public var body: [UInt8]

    public init(provider: ProviderID, account: MerchantAccountID, receivedAt: Timestamp, remoteAddress: String?, headers: [String: String], body: [UInt8]) {
        self.provider = provider
        self.account = account
        self.receivedAt = receivedAt
        self.remoteAddress = remoteAddress
        self.headers = headers
        self.body = body
    }
}

/// The callback a store call resolves: one recorded earlier (a replay), or one it records first,
/// in the same transaction as its verdict (a live delivery: one commit instead of two).
public enum InboxSubject: Sendable {
    case recorded(id: Int64)
    case new(NewInboxEntry)
}

/// What a verified callback is about: the record the store finds, under its lock, by the
/// merchant's number in the callback's account.
public enum CallbackTarget: Hashable, Sendable {
    case order(number: String)
    case refund(number: String)
    case payout(number: String)

    /// The merchant's number of the record (stored on the entry as `merchant_order_number`).
    public var number: String {
        switch self {
        case .order(let number), .refund(let number), .payout(let number): number
        }
    }
}

/// The record a callback matched, as committed, under its lock.
public enum CallbackRecord: Sendable {
    case order(Order)
    case refund(Refund)
    case payout(Payout)

    /// The order the record belongs to, when it belongs to one.
    public var orderID: OrderID? {
        switch self {
        case .order(let order): order.id
        case .refund(let refund): refund.orderID
        case .payout: nil
        }
    }
}

/// What the decision function makes of a verified callback: the entry's verdict, a reason code
/// and detail, and the change to commit with them (none when no record matched, or nothing moves).
public struct CallbackDecision: Sendable {
    /// A change to the matched record, committed in the transaction that records the verdict.
    public enum Change: Sendable {
        /// The order's change (its row, events, audit rows, review items).
        case order(OrderChange<Void>)
        /// The refund's new value (or none) and audit rows.
        case refund(Refund?, audit: [AuditRecord])
        /// The payout's new value (or none) and audit rows.
        case payout(Payout?, audit: [AuditRecord])
    }

    public var verdict: InboxVerdict
    public var reason: String?
    public var detail: String?
    public var change: Change?

    public init(verdict: InboxVerdict, reason: String? = nil, detail: String? = nil, change: Change? = nil) {
        self.verdict = verdict
        self.reason = reason
        self.detail = detail
        self.change = change
    }

    /// The outcome a driver stores on the entry: the verdict, and what the callback was matched on.
    public func outcome(dedupKey: String, target: CallbackTarget, record: CallbackRecord?) -> InboxOutcome {
        InboxOutcome(
            verdict: verdict, reason: reason, detail: detail, dedupKey: dedupKey, merchantOrderNumber: target.number, orderID: record?.orderID)
    }
}

/// How a callback's resolution ended, with its inbox entry's id.
public struct InboxResolution: Sendable {
    public enum Outcome: Sendable {
        /// An earlier entry carries the same event; nothing else changed.
        case duplicate(of: Int64)
        /// The decision's verdict and reason code, committed with its change.
        case decided(InboxVerdict, reason: String?)
        /// The entry is recorded (`received`) but its resolution did not commit: the gateway is to
        /// redeliver, and start-up resolves the entry again.
        case notCommitted(any Error)
    }

    public let id: Int64
    public let outcome: Outcome

    public init(id: Int64, outcome: Outcome) {
        self.id = id
        self.outcome = outcome
    }

    /// The entry's verdict: `received` when the resolution did not commit.
    public var verdict: InboxVerdict {
        switch outcome {
        case .duplicate: .duplicate
        case .decided(let verdict, _): verdict
        case .notCommitted: .received
        }
    }

    /// The verdict's reason code (`commit_failed` when the resolution did not commit).
    public var reason: String? {
        switch outcome {
        case .duplicate: nil
        case .decided(_, let reason): reason
        case .notCommitted: "commit_failed"
        }
    }
}

/// What resolving decided for an inbox entry: its verdict and what it was matched on, written by a
/// driver with the entry (a live delivery: one `INSERT`) or onto it (a replay: one `UPDATE`).
public struct InboxOutcome: Hashable, Sendable {
    public var verdict: InboxVerdict
    /// A stable reason code (`bad_signature`, `amount_mismatch`, …) when there is one.
    public var reason: String?
    public var detail: String?
    public var dedupKey: String?
    public var merchantOrderNumber: String?
    public var orderID: OrderID?
    public var duplicateOf: Int64?

    public init(
        verdict: InboxVerdict, reason: String? = nil, detail: String? = nil, dedupKey: String? = nil, merchantOrderNumber: String? = nil,
        orderID: OrderID? = nil, duplicateOf: Int64? = nil
    ) {
        self.verdict = verdict
        self.reason = reason
        self.detail = detail
        self.dedupKey = dedupKey
        self.merchantOrderNumber = merchantOrderNumber
        self.orderID = orderID
        self.duplicateOf = duplicateOf
    }

    public static let received = InboxOutcome(verdict: .received)

    /// The verdict with its reason, as people read it: `rejected (bad_signature)`.
    public var verdictText: String { verdict.rawValue + (reason.map { " (\($0))" } ?? "") }

    /// The outcome of a redelivery of entry `earlier`, naming the record it was about.
    public static func duplicate(of earlier: Int64, target: CallbackTarget) -> InboxOutcome {
        InboxOutcome(verdict: .duplicate, merchantOrderNumber: target.number, duplicateOf: earlier)
    }
}

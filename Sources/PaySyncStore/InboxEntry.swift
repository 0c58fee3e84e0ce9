import Foundation
import PaySyncCore

/// What became of an inbound gateway callback.
public enum InboxVerdict: String, Hashable, Sendable, CaseIterable {
    /// Recorded, not judged yet (a crash here leaves it for replay).
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
/// judging decided is its `outcome`, read through the entry (`entry.verdict`, `entry.reason`, …).
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

extension InboxEntry {
    /// The headers as drivers store them: a JSON object with sorted keys. Written by hand: it runs
    /// for every callback, and a `JSONEncoder` costs more than the rest of the recording.
    public static func storedHeaders(_ headers: [String: String]) -> String {
        var json: [UInt8] = [UInt8(ascii: "{")]
        json.reserveCapacity(headers.reduce(2) { $0 + $1.key.utf8.count + $1.value.utf8.count + 6 })
        for (index, header) in headers.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            appendJSONString(header.key, to: &json)
            json.append(UInt8(ascii: ":"))
            appendJSONString(header.value, to: &json)
        }
        json.append(UInt8(ascii: "}"))
        return String(decoding: json, as: UTF8.self)
    }

    /// `text` as a JSON string literal (RFC 8259 §7: quote, backslash and control characters
    /// escaped), appended as UTF-8.
    static func appendJSONString(_ text: String, to json: inout [UInt8]) {
        json.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): json += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): json += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): json += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): json += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): json += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20: json += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            default: json.append(byte)  // multi-byte UTF-8 sequences pass through whole
            }
        }
        json.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Headers read back from `storedHeaders`; `nil` when the text is not such an object.
    public static func headers(stored text: String) -> [String: String]? {
        try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }
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

/// The callback a store call judges: one recorded earlier (a replay), or one it records first,
/// in the same transaction as its verdict (a live delivery: one commit instead of two).
public enum InboxSubject: Sendable {
    case recorded(id: Int64)
    case new(NewInboxEntry)
}

/// A judged callback: its inbox id and how judging ended — `nil` when the entry is recorded but
/// its judging did not commit (it stays `received`; start-up judges it again).
public struct InboxJudgement<Result: Sendable>: Sendable {
    public let id: Int64
    public let resolution: InboxResolution<Result>?

    public init(id: Int64, resolution: InboxResolution<Result>?) {
        self.id = id
        self.resolution = resolution
    }
}

/// What `resolveInbox`'s closure decides for a verified callback: the entry's verdict and, when
/// an order matched, the change to commit with it.
public struct InboxDecision<Result: Sendable>: Sendable {
    public var verdict: InboxVerdict
    public var reason: String?
    public var detail: String?
    public var change: OrderChange<Result>?
    public var result: Result

    public init(verdict: InboxVerdict, reason: String? = nil, detail: String? = nil, change: OrderChange<Result>? = nil, result: Result) {
        self.verdict = verdict
        self.reason = reason
        self.detail = detail
        self.change = change
        self.result = result
    }
}

/// What judging decided for an inbox entry: its verdict and what it was matched on, written by a
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

    /// Writes an outcome onto a recorded entry (a replay, or a rejection of one); arguments
    /// verdict, reason, detail, dedup key, merchant order number, order id, duplicate of, entry id.
    /// What it was matched on is only ever added, never cleared: a duplicate's is the earlier
    /// entry's and a rejection matched nothing, so theirs stays as it was. Plain SQL, the same on
    /// both drivers.
    public static let updateSQL = """
        UPDATE inbox SET verdict = $1, reason = $2, detail = $3, dedup_key = COALESCE($4, dedup_key),
          merchant_order_number = COALESCE($5, merchant_order_number), order_id = COALESCE($6, order_id), duplicate_of = COALESCE($7, duplicate_of)
        WHERE id = $8
        """

    /// The resolution and outcome of a redelivery of entry `earlier`.
    public static func duplicate<Result>(of earlier: Int64) -> (InboxResolution<Result>, InboxOutcome) {
        (.duplicate(of: earlier), InboxOutcome(verdict: .duplicate, duplicateOf: earlier))
    }
}

/// How `resolveInbox` ended.
public enum InboxResolution<Result: Sendable>: Sendable {
    /// An earlier entry carries the same event; nothing else changed.
    case duplicate(of: Int64)
    /// The verdict and reason code the decision gave, and its result.
    case resolved(InboxVerdict, reason: String?, Result)
}

/// What a refund callback does: the entry's verdict and, when a refund matched, its new value.
public struct RefundInboxDecision: Sendable {
    public var verdict: InboxVerdict
    public var reason: String?
    public var refund: Refund?
    public var audit: [AuditRecord]

    public init(verdict: InboxVerdict, reason: String? = nil, refund: Refund? = nil, audit: [AuditRecord] = []) {
        self.verdict = verdict
        self.reason = reason
        self.refund = refund
        self.audit = audit
    }
}

/// What a payout callback does: the entry's verdict and, when a payout matched, its new value.
public struct PayoutInboxDecision: Sendable {
    public var verdict: InboxVerdict
    public var reason: String?
    public var payout: Payout?
    public var audit: [AuditRecord]

    public init(verdict: InboxVerdict, reason: String? = nil, payout: Payout? = nil, audit: [AuditRecord] = []) {
        self.verdict = verdict
        self.reason = reason
        self.payout = payout
        self.audit = audit
    }
}

import PaySyncStore

/// PaySync's HTTP answer to a gateway callback, and what became of it.
public struct CallbackReply: Hashable, Sendable {
    public let status: Int
    public let contentType: String
    public let body: [UInt8]
    public let verdict: InboxVerdict
    /// The reason code of a refusal or a review (`bad_signature`, `amount_mismatch`, …).
    public let reason: String?
    /// The inbox entry, when the request was recorded.
    public let inboxID: Int64?
}

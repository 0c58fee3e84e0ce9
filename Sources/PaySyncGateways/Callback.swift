import PaySyncCore

/// A verified, parsed gateway callback.
public struct CallbackEvent: Hashable, Sendable {
    public enum Subject: Hashable, Sendable {
        case payment(PaymentReport)
        case refund(RefundReport)
        case payout(PayoutReport)

        /// The merchant the notification names, where the wire carries one.
        public var merchantID: String? {
            switch self {
            case .payment(let report): report.merchantID
            case .refund(let report): report.merchantID
            case .payout(let report): report.merchantID
            }
        }
    }

    public var subject: Subject
    /// Identifies this event across redeliveries: the gateway's own id where it has one (PayBy
    /// `notify_id`), else a SHA-256 of the fields that identify the event.
    public var dedupKey: String

    public init(subject: Subject, dedupKey: String) {
        self.subject = subject
        self.dedupKey = dedupKey
    }
}

/// Why a callback was refused. Nothing refused is ever applied.
public struct CallbackRejection: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: String, Hashable, Sendable {
        case malformedBody = "malformed_body"
        case invalidUTF8 = "invalid_utf8"
        case duplicateKey = "duplicate_json_key"
        case tooDeep = "json_too_deep"
        case missingField = "missing_field"
        case missingSignature = "missing_signature"
        case badSignature = "bad_signature"
        case staleTimestamp = "stale_timestamp"
        case unknownStatus = "unknown_status"
        case invalidAmount = "invalid_amount"
        case unknownCurrency = "unknown_currency"
        /// Verified, but addressed to another merchant or application.
        case wrongMerchant = "wrong_merchant"
    }

    public let reason: Reason
    public let message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    /// Maps a JSON syntax error to its rejection.
    public init(_ error: JSONSyntaxError) {
        switch error.code {
        case .invalidUTF8: self.init(.invalidUTF8, error.description)
        case .duplicateKey: self.init(.duplicateKey, error.description)
        case .tooDeep: self.init(.tooDeep, error.description)
        case .malformed: self.init(.malformedBody, error.description)
        }
    }

    public var description: String { "\(reason.rawValue): \(message)" }
}

/// The exact HTTP answer a gateway expects to a callback.
public struct CallbackAck: Hashable, Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String, body: String) {
        self.status = status
        self.contentType = contentType
        self.body = Array(body.utf8)
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

import PaySyncCore

/// PayZApp-Gateway's wire rules, shared by the adapter and the sandbox that plays PayZApp.
///
/// [src] Every request carries `at-access-key`, `at-mno`, `at-nonce` (unique, alphanumeric),
/// `at-signature-method: HmacSHA256` and `at-timestamp` (Unix seconds); the Access-Secret is the
/// HMAC key and parameters are sorted by name. [assumption] The signed string is the sorted
/// `k=v&…` of those five headers plus the query parameters and the JSON body's top-level members
/// (nested values as compact JSON), Base64, in `at-signature`; callbacks are signed the same way.
/// Amounts are integer minor units; answers `{code: 0, data, msg}` are not signed.
public enum PayZAppWire {
    public static let ack = "OK"
    public static let signatureHeader = "at-signature"
    public static let headerNames = ["at-access-key", "at-mno", "at-nonce", "at-signature-method", "at-timestamp"]
    /// The one signature method PaySync signs and verifies with.
    public static let signatureMethod = "HmacSHA256"

    /// The bytes to sign from the `at-*` headers (lower-cased names), query pairs and body members.
    public static func signedBytes(
        headers: [String: String], query: [(String, String)], body: RawJSON?, includeBody: Bool
    ) -> [UInt8] {
        var pairs: [(String, String?)] = headerNames.map { ($0, headers[$0]) }
        pairs += query.map { ($0.0, $0.1) }
        if includeBody, let members = body?.members { pairs += SortedPairs.pairs(of: members, excluding: []) }
        return SortedPairs.bytes(pairs, skipEmpty: false)
    }

    /// The `at-*` headers, signature included, for a message.
    public static func signedHeaders(
        accessKey: String, mno: String, nonce: String, timestamp: Timestamp, query: [(String, String)], body: [UInt8]?, secrets: HMACSecrets,
        includeBody: Bool
    ) -> [(name: String, value: String)] {
        var headers: [String: String] = [
            "at-access-key": accessKey, "at-mno": mno, "at-nonce": nonce, "at-signature-method": signatureMethod,
            "at-timestamp": String(timestamp.millisecondsSinceEpoch / 1000),
        ]
        let parsed = body.flatMap { try? RawJSONParser().parse($0) }
        headers[signatureHeader] = secrets.sign(signedBytes(headers: headers, query: query, body: parsed, includeBody: includeBody))
        return (headerNames + [signatureHeader]).map { ($0, headers[$0]!) }
    }

    /// [assumption] tradeStatus of a pay-in: PENDING, PROCESSING, SUCCESS, FAILED, EXPIRED.
    public static func paymentState(_ status: String) -> PaymentState? {
        switch status {
        case "PENDING": .pending
        case "PROCESSING": .processing
        case "SUCCESS": .paid
        case "FAILED": .failed
        case "EXPIRED": .expired
        default: nil
        }
    }

    /// [assumption] tradeStatus of a payout: PENDING/PROCESSING, SUCCESS, FAILED.
    public static func payoutState(_ status: String) -> PayoutState? {
        switch status {
        case "PENDING", "PROCESSING": .processing
        case "SUCCESS": .succeeded
        case "FAILED": .failed
        default: nil
        }
    }
}

/// CodePay's wire rules, shared by the adapter and the sandbox that plays CodePay.
///
/// [src] Every call is `POST {base}/api/entry` with a flat JSON object of string values; the
/// signature is SHA256withRSA over the `key=value` pairs sorted by key, `sign` and empty values
/// left out, Base64 in the body field `sign`. Answers are `{code, msg, psn, data, sign}` with
/// `data` a JSON *string*, signed by the gateway the same way with `data` as that raw string.
public enum CodePayWire {
    public static let path = "/api/entry"
    /// [src] The plain-text acknowledgement a notification expects.
    public static let ack = "success"
    /// [assumption] The business code CodePay answers when a revoke finds the order paid.
    public static let orderPaidCode = "ORDER_PAID"
    /// [assumption] The business code for an unknown order.
    public static let orderNotFoundCode = "ORDER_NOT_EXIST"

    /// A signed flat JSON body: the fields in the given order, then `sign`.
    public static func signedBody(_ fields: [(String, String)], key: RSASigningKey) -> [UInt8] {
        let sign = key.sign(SortedPairs.bytes(fields.map { ($0.0, $0.1) }, skipEmpty: true))
        return Array(Wire.object((fields + [("sign", sign)]).map { ($0.0, Wire.quote($0.1)) }).utf8)
    }

    /// `true` when the object's `sign` verifies over its other members. A blank or missing `sign`
    /// never verifies (CodePay's own SDK accepts it; PaySync does not).
    public static func verify(_ object: RawJSON, keys: RSAVerificationKeys) -> Bool {
        guard let members = object.members, let sign = object["sign"]?.scalarText, !sign.isEmpty else { return false }
        return keys.verify(base64Signature: sign, over: SortedPairs.bytes(SortedPairs.pairs(of: members, excluding: ["sign"]), skipEmpty: true))
    }

    /// [src] `trans_type`, an Integer in CodePay's SDK: 1 sale, 2 void, 3 refund.
    public enum TransType: Sendable { case sale, void, refund }

    /// `trans_type` as a number or its name; absent, a sale (payment notifications may omit it);
    /// anything else `nil`, never guessed.
    public static func transType(_ text: String?) -> TransType? {
        switch text {
        case nil, "1", "sale": .sale
        case "2", "void": .void
        case "3", "refund": .refund
        default: nil
        }
    }

    /// [src] `trans_status` of a sale: 9 created, 0 paying, 1 closed, 2 success, 3 cancelled.
    public static func paymentState(_ status: String) -> PaymentState? {
        switch status {
        case "9": .pending
        case "0": .processing
        case "2": .paid
        case "1", "3": .canceled
        default: nil
        }
    }

    /// `trans_status` of a refund: 0 (or 9) refunding, 2 success, 1 closed / 3 cancelled = failed.
    public static func refundState(_ status: String) -> RefundState? {
        switch status {
        case "9", "0": .processing
        case "2": .succeeded
        case "1", "3": .failed
        default: nil
        }
    }
}

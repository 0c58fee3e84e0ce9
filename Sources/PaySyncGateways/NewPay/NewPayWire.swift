/// NewPay's wire rules, shared by the adapter and the sandbox that plays NewPay.
///
/// [src] `POST {base}/beta/pay/<api>` with a flat JSON body of strings and a body field `sign`:
/// SHA256withRSA over the non-null parameters but `sign`, sorted, `k=v&…`. Answers and callbacks
/// are `{success, message, code, timestamp, data{…, sign}}` with the signature in `data.sign`
/// over `data`'s other members ([assumption]); nested amounts `{value, currency}` are signed as
/// their compact JSON text as received ([assumption]). Empty strings are signed as `k=` by
/// default ([assumption]: the doc contradicts itself; `signEmptyValues` switches it).
public enum NewPayWire {
    public static let basePath = "/beta/pay/"
    public static let ack = #"{"transResult":"SUCCESS"}"#
    public static let nack = #"{"transResult":"FAIL"}"#
    /// [src] Order not found.
    public static let orderNotFoundCode = "E9008"
    /// [src] Refund greater than paid.
    public static let refundExceedsCode = "Z01020"

    public static func signedBody(_ fields: [(String, String)], key: RSASigningKey, signEmptyValues: Bool) -> [UInt8] {
        let signed = SortedPairs.bytes(fields.map { ($0.0, $0.1) }, skipEmpty: !signEmptyValues)
        return Array(Wire.object((fields + [("sign", key.sign(signed))]).map { ($0.0, Wire.quote($0.1)) }).utf8)
    }

    /// Signs `data` members (already-encoded JSON values) and appends `sign`.
    public static func signedData(_ members: [(String, String)], key: RSASigningKey, signEmptyValues: Bool) throws -> String {
        let object = Wire.object(members)
        let parsed = try RawJSONParser().parse(Array(object.utf8))
        let signed = SortedPairs.bytes(SortedPairs.pairs(of: parsed.members ?? [], excluding: ["sign"]), skipEmpty: !signEmptyValues)
        return Wire.object(members + [("sign", Wire.quote(key.sign(signed)))])
    }

    public static func verify(_ object: RawJSON, keys: RSAVerificationKeys, signEmptyValues: Bool) -> Bool {
        guard let members = object.members, let sign = object["sign"]?.scalarText, !sign.isEmpty else { return false }
        return keys.verify(base64Signature: sign, over: SortedPairs.bytes(SortedPairs.pairs(of: members, excluding: ["sign"]), skipEmpty: !signEmptyValues))
    }

    public static func amount(_ value: String, _ currency: String) -> String {
        Wire.object([("value", Wire.quote(value)), ("currency", Wire.quote(currency))])
    }

    /// [src] payStatus SUCCESS / EXPIRED / PROCESSING / FAIL.
    public static func paymentState(_ status: String) -> PaymentState? {
        switch status {
        case "SUCCESS": .paid
        case "EXPIRED": .expired
        case "PROCESSING": .processing
        case "FAIL": .failed
        default: nil
        }
    }

    /// [src] refundStatus / status SUCCESS / FAIL / PROCESSING.
    public static func refundState(_ status: String) -> RefundState? {
        switch status {
        case "SUCCESS": .succeeded
        case "FAIL": .failed
        case "PROCESSING": .processing
        default: nil
        }
    }
}

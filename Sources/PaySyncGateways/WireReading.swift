import Crypto
import Foundation
import PaySyncCore

/// Small helpers every adapter uses to read `RawJSON` and build dedup keys.
public enum Wire {
    static func parse(_ bytes: [UInt8]) throws(CallbackRejection) -> RawJSON {
        do { return try RawJSONParser().parse(bytes) } catch { throw CallbackRejection(error) }
    }

    /// A required scalar field's text.
    public static func field(_ object: RawJSON, _ key: String, in context: String = "body") throws(CallbackRejection) -> String {
        guard let text = object[key]?.scalarText else {
            throw CallbackRejection(.missingField, "\(context) has no \"\(key)\"")
        }
        return text
    }

    static func optionalField(_ object: RawJSON, _ key: String) -> String? {
        object[key]?.scalarText
    }

    /// The literal of a member that must be a JSON number (a quoted number is refused as an amount).
    static func numberLiteral(_ object: RawJSON, _ key: String, in context: String = "body") throws(CallbackRejection) -> String {
        switch object[key] {
        case .number(let literal)?: return literal
        case nil, .null?: throw CallbackRejection(.missingField, "\(context) has no \"\(key)\"")
        case let other?: throw CallbackRejection(.invalidAmount, "\(key) must be a JSON number; got \(other.compactText)")
        }
    }

    public static func object(_ object: RawJSON, _ key: String, in context: String = "body") throws(CallbackRejection) -> RawJSON {
        guard let value = object[key], value.members != nil else {
            throw CallbackRejection(.missingField, "\(context) has no object \"\(key)\"")
        }
        return value
    }

    public static func currency(_ code: String, _ currencies: CurrencyRegistry) throws(CallbackRejection) -> Currency {
        guard let currency = currencies.currency(code: code) else {
            throw CallbackRejection(.unknownCurrency, "currency \"\(code)\" is not one PaySync knows")
        }
        return currency
    }

    /// A nested money object (`{"currency": …, "<amountKey>": …}`, PayBy's `Money` and NewPay's
    /// `orderAmt`) read through `codec`.
    public static func money(
        _ object: RawJSON, _ key: String, amountKey: String, codec: AmountCodec, currencies: CurrencyRegistry
    ) throws(CallbackRejection) -> Money {
        let value = try Wire.object(object, key)
        let currency = try Wire.currency(try Wire.field(value, "currency", in: key), currencies)
        return try codec.decode(try Wire.field(value, amountKey, in: key), currency: currency)
    }

    /// `provider:kind:number:` + hex SHA-256 of the kind, the number and `details` joined by a unit
    /// separator. The hash tells events apart; the readable prefix keeps one record's events
    /// together and — numbers grow with time — a group commit's keys on a few pages of the dedup
    /// index instead of one random page each.
    static func dedupKey(_ provider: String, _ kind: String, _ number: String, _ details: [String?]) -> String {
        // The hash of kind, number and details joined by U+001F, fed part by part.
        var hasher = SHA256()
        func feed(_ part: String) {
            var part = part
            part.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        func separate() { withUnsafeBytes(of: UInt8(0x1F)) { hasher.update(bufferPointer: $0) } }
        feed(kind)
        separate()
        feed(number)
        for detail in details {
            separate()
            feed(detail ?? "")
        }
        var text: [UInt8] = []
        text.reserveCapacity(provider.utf8.count + kind.utf8.count + number.utf8.count + 3 + 2 * SHA256.byteCount)
        for part in [provider, kind, number] {
            text += part.utf8
            text.append(UInt8(ascii: ":"))
        }
        for byte in hasher.finalize() {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string literal for `text` (for building request bodies).
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let s where s.value < 0x20: out += String(format: "\\u%04x", s.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A compact JSON object from ordered `(key, already-encoded JSON value)` pairs.
    public static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { "\(quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    /// Maps a response-body parse failure.
    static func parseResponse(_ bytes: [UInt8]) -> Result<RawJSON, GatewayFailure> {
        do { return .success(try RawJSONParser().parse(bytes)) } catch {
            return .failure(GatewayFailure(.malformedResponse, "answer is not JSON: \(error.description)"))
        }
    }

    /// A non-2xx HTTP status as a failure.
    static func httpFailure(_ response: GatewayHTTPResponse) -> GatewayFailure? {
        (200..<300).contains(response.status) ? nil : GatewayFailure(.httpStatus, "HTTP \(response.status)")
    }
}

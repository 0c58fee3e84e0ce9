/// A JSON value that remembers how it was written.
///
/// Gateways sign the text they sent: a Codable round trip turns `1.10` into `1.1` and `"\u00e9"`
/// into `"é"`, which breaks signatures. `RawJSON` keeps each number's literal text, each string's
/// escaped text as received, and the members of an object in arrival order, so a verifier can
/// rebuild exactly the string the gateway signed.
public indirect enum RawJSON: Hashable, Sendable {
    /// Members in arrival order; keys are unique (the parser refuses duplicates).
    case object([Member])
    case array([RawJSON])
    /// `value` decoded; `literal` the escaped text between the quotes, as received.
    case string(value: String, literal: String)
    /// The number's literal text, as received (`1.10` stays `1.10`).
    case number(String)
    case bool(Bool)
    case null

    public struct Member: Hashable, Sendable {
        public let key: String
        /// The key's escaped text between the quotes, as received.
        public let keyLiteral: String
        public let value: RawJSON
    }

    /// The member named `key` of an object.
    public subscript(key: String) -> RawJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    public var members: [Member]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// A string's decoded value, or a number's / bool's literal text; `nil` for null, objects, arrays.
    public var scalarText: String? {
        switch self {
        case .string(let value, _): value
        case .number(let literal): literal
        case .bool(let value): value ? "true" : "false"
        case .null, .object, .array: nil
        }
    }

    /// The value as compact JSON text, every scalar exactly as received: what a gateway signs for a
    /// nested object (fastjson's `getString` of an object).
    public var compactText: String {
        switch self {
        case .object(let members):
            "{" + members.map { "\"\($0.keyLiteral)\":\($0.value.compactText)" }.joined(separator: ",") + "}"
        case .array(let values): "[" + values.map(\.compactText).joined(separator: ",") + "]"
        case .string(_, let literal): "\"\(literal)\""
        case .number(let literal): literal
        case .bool(let value): value ? "true" : "false"
        case .null: "null"
        }
    }

    /// The text a sorted `key=value` signature uses for this value: a scalar's text, an object's
    /// or array's compact JSON; `nil` for null.
    public var signingText: String? {
        switch self {
        case .object, .array: compactText
        case .null: nil
        default: scalarText
        }
    }
}

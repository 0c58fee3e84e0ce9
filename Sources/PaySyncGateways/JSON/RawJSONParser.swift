/// A strict JSON parser (RFC 8259) producing `RawJSON`.
///
/// Refuses, each with its own `JSONSyntaxError.Code`: invalid UTF-8, duplicate keys in one object,
/// nesting deeper than `maximumDepth`, and every grammar error (trailing text, bad escapes, raw
/// control characters in strings, leading zeros, …).
public struct RawJSONParser: Sendable {
    public var maximumDepth: Int

    public init(maximumDepth: Int = 32) {
        self.maximumDepth = maximumDepth
    }

    public func parse(_ bytes: some Collection<UInt8>) throws(JSONSyntaxError) -> RawJSON {
        let array = Array(bytes)
        // ASCII is valid UTF-8: only a body with other bytes needs the full check.
        guard array.allSatisfy({ $0 < 0x80 }) || String(validating: array, as: UTF8.self) != nil else {
            throw JSONSyntaxError(.invalidUTF8, "the body is not valid UTF-8", offset: 0)
        }
        var cursor = Cursor(bytes: array, maximumDepth: maximumDepth)
        cursor.skipWhitespace()
        let value = try cursor.value(depth: 1)
        cursor.skipWhitespace()
        guard cursor.index == array.count else { throw cursor.error(.malformed, "unexpected text after the JSON value") }
        return value
    }
}

/// Why a body is not acceptable JSON.
public struct JSONSyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        case invalidUTF8 = "invalid_utf8"
        case malformed = "malformed_json"
        case duplicateKey = "duplicate_json_key"
        case tooDeep = "json_too_deep"
    }

    public let code: Code
    public let message: String
    public let offset: Int

    init(_ code: Code, _ message: String, offset: Int) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) (at byte \(offset))" }
}

private struct Cursor {
    let bytes: [UInt8]
    let maximumDepth: Int
    var index = 0

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    func error(_ code: JSONSyntaxError.Code, _ message: String) -> JSONSyntaxError {
        JSONSyntaxError(code, message, offset: index)
    }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    mutating func expect(_ literal: String) throws(JSONSyntaxError) {
        for byte in literal.utf8 {
            guard current == byte else { throw error(.malformed, "expected \"\(literal)\"") }
            index += 1
        }
    }

    mutating func value(depth: Int) throws(JSONSyntaxError) -> RawJSON {
        guard let byte = current else { throw error(.malformed, "the JSON ends early") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""):
            let (value, literal) = try string()
            return .string(value: value, literal: literal)
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error(.malformed, "unexpected character")
        }
    }

    mutating func object(depth: Int) throws(JSONSyntaxError) -> RawJSON {
        guard depth <= maximumDepth else { throw error(.tooDeep, "JSON nested deeper than \(maximumDepth) levels") }
        index += 1
        var members: [RawJSON.Member] = []
        // Duplicate keys are found by a scan while the object is small (a callback's usual size),
        // through a set once it is not.
        var keys: Set<String>?
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error(.malformed, "expected a member name") }
            let keyStart = index
            let (key, literal) = try string()
            if keys == nil, members.count >= 16 { keys = Set(members.map(\.key)) }
            let duplicate = keys?.contains(key) ?? members.contains { $0.key == key }
            keys?.insert(key)
            guard !duplicate else {
                throw JSONSyntaxError(.duplicateKey, "the key \"\(key)\" appears twice in one object", offset: keyStart)
            }
            skipWhitespace()
            try expect(":")
            skipWhitespace()
            members.append(RawJSON.Member(key: key, keyLiteral: literal, value: try value(depth: depth + 1)))
            skipWhitespace()
            if current == UInt8(ascii: ",") { index += 1; continue }
            try expect("}")
            return .object(members)
        }
    }

    mutating func array(depth: Int) throws(JSONSyntaxError) -> RawJSON {
        guard depth <= maximumDepth else { throw error(.tooDeep, "JSON nested deeper than \(maximumDepth) levels") }
        index += 1
        var values: [RawJSON] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return .array(values) }
        while true {
            skipWhitespace()
            values.append(try value(depth: depth + 1))
            skipWhitespace()
            if current == UInt8(ascii: ",") { index += 1; continue }
            try expect("]")
            return .array(values)
        }
    }

    /// Returns the decoded string and its literal (escaped) text between the quotes.
    mutating func string() throws(JSONSyntaxError) -> (String, String) {
        index += 1
        let start = index
        // Most strings have no escape: then the literal is the value, and one String serves both.
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte >= 0x20 { index += 1 }
        if current == UInt8(ascii: "\"") {
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            index += 1
            return (text, text)
        }
        var decoded = Array(bytes[start..<index])
        while true {
            guard let byte = current else { throw error(.malformed, "unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                let literal = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 1
                return (String(decoding: decoded, as: UTF8.self), literal)
            case UInt8(ascii: "\\"):
                index += 1
                guard let escape = current else { throw error(.malformed, "unterminated escape") }
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escape)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        try expect("\\u")
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error(.malformed, "unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error(.malformed, "invalid \\u escape") }
                    decoded.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw error(.malformed, "invalid escape")
                }
            case 0x00..<0x20:
                throw error(.malformed, "control character in a string")
            default:
                decoded.append(byte)
                index += 1
            }
        }
    }

    mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw error(.malformed, "short \\u escape") }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 55)
            default: throw error(.malformed, "invalid \\u escape")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    mutating func number() throws(JSONSyntaxError) -> RawJSON {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { throw error(.malformed, "invalid number") }
        index += 1
        if first == UInt8(ascii: "0"), let next = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) {
            throw error(.malformed, "leading zero in a number")
        }
        digits()
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error(.malformed, "a decimal point needs digits after it") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error(.malformed, "an exponent needs digits") }
        }
        return .number(String(decoding: bytes[start..<index], as: UTF8.self))
    }

    @discardableResult
    mutating func digits() -> Int {
        var count = 0
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1; count += 1 }
        return count
    }
}

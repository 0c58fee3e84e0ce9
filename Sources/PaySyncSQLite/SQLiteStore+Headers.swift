import Foundation

extension SQLiteStore {
    /// The headers as SQLite stores them: a JSON object with sorted keys. Written by hand: it runs
    /// on every callback, and a `JSONEncoder` costs more than the rest of the recording.
    static func storedHeaders(_ headers: [String: String]) -> String {
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

    /// Headers read back from `storedHeaders`.
    static func headers(stored text: String) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }
}

/// Whether a `Content-Type` value names `application/json`: the type before any `;` parameters,
/// space or tab around it ignored, ASCII case ignored. (Plain bytes, not Foundation's trimming:
/// this runs for every callback.)
public func isJSONContentType(_ value: String?) -> Bool {
    guard let value else { return false }
    let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
    let type = value.utf8.prefix { $0 != UInt8(ascii: ";") }.drop(while: isBlank)
    let expected = "application/json".utf8
    var remaining = type.makeIterator()
    for wanted in expected {
        guard let byte = remaining.next() else { return false }
        let lower = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
        guard lower == wanted else { return false }
    }
    while let byte = remaining.next() { guard isBlank(byte) else { return false } }
    return true
}

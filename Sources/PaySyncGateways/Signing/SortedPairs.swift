/// What CodePay, NewPay and PayZApp sign: `key=value` pairs sorted by key (byte order),
/// joined with `&`.
public enum SortedPairs {
    /// The UTF-8 bytes of the string built from `(key, value)` pairs: what is signed. `nil` values
    /// are always left out; empty strings too when `skipEmpty` (CodePay drops empty values;
    /// NewPay's rule is an assumption, see docs). Built as bytes, not by appending to a `String`:
    /// the bytes are what is signed, and four `String` appends per pair cost more than the HMAC.
    public static func bytes(_ pairs: [(String, String?)], skipEmpty: Bool) -> [UInt8] {
        var kept: [(key: String, value: String)] = []
        kept.reserveCapacity(pairs.count)
        var length = 0
        for case (let key, let value?) in pairs where !(skipEmpty && value.isEmpty) {
            kept.append((key, value))
            length += key.utf8.count + value.utf8.count + 2
        }
        kept.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for (index, pair) in kept.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: "&")) }
            bytes.append(contentsOf: pair.key.utf8)
            bytes.append(UInt8(ascii: "="))
            bytes.append(contentsOf: pair.value.utf8)
        }
        return bytes
    }

    /// The pairs of an object's members, minus `excluding`, each value as it is signed (a scalar's
    /// literal text, a nested value's compact JSON).
    public static func pairs(of members: [RawJSON.Member], excluding: Set<String>) -> [(String, String?)] {
        members.filter { !excluding.contains($0.key) }.map { ($0.key, $0.value.signingText) }
    }
}

/// The string CodePay, NewPay and PayZApp sign: `key=value` pairs sorted by key (byte order),
/// joined with `&`.
public enum SortedPairs {
    /// Builds the string from `(key, value)` pairs. `nil` values are always left out; empty strings
    /// too when `skipEmpty` (CodePay drops empty values; NewPay's rule is an assumption, see docs).
    public static func string(_ pairs: [(String, String?)], skipEmpty: Bool) -> String {
        let kept = pairs.compactMap { key, value -> (key: String, value: String)? in
            guard let value, !(skipEmpty && value.isEmpty) else { return nil }
            return (key, value)
        }
        .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        var text = ""
        text.reserveCapacity(kept.reduce(kept.count) { $0 + $1.key.utf8.count + $1.value.utf8.count })
        for (index, pair) in kept.enumerated() {
            if index > 0 { text += "&" }
            text += pair.key
            text += "="
            text += pair.value
        }
        return text
    }

    /// The pairs of an object's members, minus `excluding`, each value as it is signed (a scalar's
    /// literal text, a nested value's compact JSON).
    public static func pairs(of members: [RawJSON.Member], excluding: Set<String>) -> [(String, String?)] {
        members.filter { !excluding.contains($0.key) }.map { ($0.key, $0.value.signingText) }
    }
}

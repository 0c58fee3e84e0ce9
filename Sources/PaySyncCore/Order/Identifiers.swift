/// Names a merchant account: one store, or one credential set at a gateway, within a deployment.
/// Order numbers are unique per account. Lower-case letters, digits, `-`, `_`; 1–32 characters.
public struct MerchantAccountID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public static let `default` = try! MerchantAccountID("default")

    public init(_ text: String) throws(IdentifierError) {
        rawValue = try validateIdentifier(text, what: "account")
    }

    public var description: String { rawValue }
}

/// Names a payment gateway (`codepay`, `payby`, `newpay`, `payzapp`). The engine never branches
/// on it: it selects the configured adapter. Same character rules as `MerchantAccountID`.
public struct ProviderID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(_ text: String) throws(IdentifierError) {
        rawValue = try validateIdentifier(text, what: "provider")
    }

    public var description: String { rawValue }
}

/// PaySync's own id for an order: `ord_` followed by 20 base-32 characters.
public struct OrderID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// Wraps an id read back from storage or a URL; `nil` when it is not of PaySync's form.
    public init?(rawValue: String) {
        guard rawValue.hasPrefix("ord_"), rawValue.utf8.count == 24,
            rawValue.utf8.dropFirst(4).allSatisfy({ OrderID.isAlphabet[Int($0)] })
        else { return nil }
        self.rawValue = rawValue
    }

    /// A fresh id for something made at `time`: ten characters of the time in milliseconds, then
    /// ten random ones (50 bits). Ids sort by creation time, so the rows and index entries of
    /// recent orders — the ones callbacks and checks are about — sit together in the store's
    /// B-trees instead of one random page each.
    public static func make(at time: Timestamp, using random: inout some RandomNumberGenerator) -> OrderID {
        var characters = [UInt8](repeating: 0, count: 20)
        var milliseconds = UInt64(max(time.millisecondsSinceEpoch, 0))
        for index in (0..<10).reversed() {
            characters[index] = alphabetBytes[Int(milliseconds & 31)]
            milliseconds >>= 5
        }
        for index in 10..<20 {
            characters[index] = alphabetBytes[Int(random.next(upperBound: UInt64(32)))]
        }
        return OrderID(rawValue: "ord_" + String(decoding: characters, as: UTF8.self))!
    }

    public var description: String { rawValue }
    /// Crockford's base 32 (no i, l, o, u), in sort order.
    private static let alphabetBytes = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
    /// Whether each byte value is in the alphabet (ids are read back for every order row).
    private static let isAlphabet: [Bool] = (0..<256).map { byte in alphabetBytes.contains(UInt8(byte)) }
}

/// Why an account or provider name was refused.
public struct IdentifierError: Error, Hashable, Sendable, CustomStringConvertible {
    public let what: String
    public let description: String
}

private func validateIdentifier(_ text: String, what: String) throws(IdentifierError) -> String {
    guard (1...32).contains(text.utf8.count),
        text.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F })
    else {
        throw IdentifierError(what: what, description: "\(what) names are 1–32 characters of a–z, 0–9, \"-\" and \"_\"")
    }
    return text
}

/// The merchant's own number for an order: 1–64 characters of ASCII letters, digits, `-` and `_`
/// (PayBy's rule, the strictest common denominator of the four gateways' character sets).
///
/// Unique per merchant account; reused when a failed or expired order is paid again.
public struct MerchantOrderNumber: Hashable, Sendable, CustomStringConvertible {
    public static let maximumLength = 64
    public let rawValue: String

    public init(_ text: String) throws(MerchantOrderNumberError) {
        guard !text.isEmpty else { throw .empty }
        guard text.utf8.count <= Self.maximumLength else { throw .tooLong(maximum: Self.maximumLength) }
        for scalar in text.unicodeScalars where !Self.isAllowed(scalar) {
            throw .invalidCharacter(Character(scalar))
        }
        rawValue = text
    }

    public var description: String { rawValue }

    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_": true
        default: false
        }
    }
}

/// Why a merchant order number was refused.
public enum MerchantOrderNumberError: Error, Hashable, Sendable, CustomStringConvertible {
    case empty
    case tooLong(maximum: Int)
    case invalidCharacter(Character)

    public var code: String {
        switch self {
        case .empty: "order_number_empty"
        case .tooLong: "order_number_too_long"
        case .invalidCharacter: "order_number_invalid_character"
        }
    }

    public var description: String {
        switch self {
        case .empty: "the merchant order number is empty"
        case .tooLong(let maximum): "the merchant order number is longer than \(maximum) characters"
        case .invalidCharacter(let c): "the merchant order number contains \"\(c)\"; only letters, digits, \"-\" and \"_\" are allowed"
        }
    }
}

/// Why a decimal amount string was refused. Each case has a stable `code` for API errors.
public enum MoneyParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text was empty.
    case empty
    /// The text had leading, trailing or inner white space.
    case whitespace
    /// The text began with `+` or `-`: gateway amounts are unsigned.
    case sign
    /// The text used scientific notation (`1e3`).
    case exponent
    /// More fraction digits than the currency has (`"1.005"` for USD).
    case tooManyFractionDigits(allowed: Int)
    /// A character other than an ASCII digit or one `.` (this includes non-ASCII digits like `٣`).
    case invalidCharacter(Character)
    /// A misplaced or repeated `.`, or no digits before or after it (`"1."`, `".5"`, `"1.2.3"`).
    case malformed
    /// The amount does not fit in 64-bit minor units.
    case overflow

    public var code: String {
        switch self {
        case .empty: "amount_empty"
        case .whitespace: "amount_whitespace"
        case .sign: "amount_signed"
        case .exponent: "amount_exponent"
        case .tooManyFractionDigits: "amount_too_many_fraction_digits"
        case .invalidCharacter: "amount_invalid_character"
        case .malformed: "amount_malformed"
        case .overflow: "amount_overflow"
        }
    }

    public var description: String {
        switch self {
        case .empty: "the amount is empty"
        case .whitespace: "the amount contains white space"
        case .sign: "the amount has a sign; amounts are unsigned"
        case .exponent: "the amount uses an exponent; write it as a plain decimal"
        case .tooManyFractionDigits(let allowed): "the amount has more than \(allowed) fraction digit\(allowed == 1 ? "" : "s")"
        case .invalidCharacter(let character): "the amount contains \"\(character)\"; only ASCII digits and one \".\" are allowed"
        case .malformed: "the amount is not a decimal number like \"100\" or \"100.50\""
        case .overflow: "the amount is too large"
        }
    }
}

/// A unit of account: an ISO 4217 currency or a configured non-ISO asset such as USDT.
///
/// `exponent` is the number of decimal places between the major unit and the minor unit PaySync
/// stores (2 for USD: 1 USD = 100 minor units; 6 for USDT). Two currencies are equal when their
/// codes and exponents are equal.
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    /// The upper-case code, e.g. `"USD"`.
    public let code: String
    /// Decimal places of the minor unit.
    public let exponent: Int
    /// `true` for ISO 4217 currencies, `false` for configured assets such as USDT.
    public let isISO4217: Bool

    public init(code: String, exponent: Int, isISO4217: Bool) {
        precondition((0...9).contains(exponent), "a currency exponent is between 0 and 9")
        self.code = code
        self.exponent = exponent
        self.isISO4217 = isISO4217
    }

    public var description: String { code }

    /// 10^exponent, the number of minor units in one major unit.
    public var minorUnitsPerMajor: Int64 {
        var value: Int64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}

extension Currency {
    public static let CNY = Currency(code: "CNY", exponent: 2, isISO4217: true)
    public static let USD = Currency(code: "USD", exponent: 2, isISO4217: true)
    /// ISO 4217 gives the kip two decimals; NewPay accepts LAK amounts without decimals only,
    /// which is that adapter's rule, not the currency's.
    public static let LAK = Currency(code: "LAK", exponent: 2, isISO4217: true)
    public static let INR = Currency(code: "INR", exponent: 2, isISO4217: true)
    public static let BRL = Currency(code: "BRL", exponent: 2, isISO4217: true)
    public static let AED = Currency(code: "AED", exponent: 2, isISO4217: true)
    public static let EUR = Currency(code: "EUR", exponent: 2, isISO4217: true)
    public static let JPY = Currency(code: "JPY", exponent: 0, isISO4217: true)
    public static let KWD = Currency(code: "KWD", exponent: 3, isISO4217: true)
    /// Tether, a configured non-ISO asset with six decimals (PayZApp: 1 USDT = 1 000 000).
    public static let USDT = Currency(code: "USDT", exponent: 6, isISO4217: false)
}

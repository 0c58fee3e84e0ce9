/// An exact amount of money: integer minor units of one currency. Never a floating-point value.
public struct Money: Hashable, Sendable, CustomStringConvertible {
    /// The amount in minor units (cents for USD, micro-USDT for USDT).
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// The amount as a plain decimal string in major units with exactly `currency.exponent`
    /// fraction digits: 10010 USD -> `"100.10"`, 5 JPY -> `"5"`, -5 USD -> `"-0.05"`.
    public var decimalString: String {
        let negative = minorUnits < 0
        let magnitude = minorUnits.magnitude
        let per = UInt64(currency.minorUnitsPerMajor)
        let major = magnitude / per
        let minor = magnitude % per
        var text = negative ? "-" : ""
        text += String(major)
        if currency.exponent > 0 {
            let digits = String(minor)
            text += "." + String(repeating: "0", count: currency.exponent - digits.count) + digits
        }
        return text
    }

    public var description: String { "\(decimalString) \(currency.code)" }

    /// The sum of two amounts of the same currency, or `nil` on a currency mismatch or overflow.
    public func adding(_ other: Money) -> Money? {
        guard other.currency == currency else { return nil }
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        return overflow ? nil : Money(minorUnits: sum, currency: currency)
    }
}

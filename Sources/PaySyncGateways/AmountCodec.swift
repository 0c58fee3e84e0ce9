import PaySyncCore

/// How a gateway writes amounts on the wire.
public enum AmountCodec: Sendable {
    /// Decimal text in major units with the currency's digits (`"100.10"`) — CodePay, PayBy,
    /// NewPay. `wholeUnitCurrencies` may carry no decimals at all (NewPay: LAK).
    case decimalMajor(wholeUnitCurrencies: Set<String>)
    /// Integer minor units (`10010`) — PayZApp (INR/BRL ×100, USDT ×10^6).
    case integerMinor
    /// Decimal major units as Java writes a `Double` — CodePay, whose SDK types amounts so:
    /// `1000.0` for JPY 1000, `1.0E7` for ten million. Read by exact value: trailing zeros and an
    /// exponent are fine when the value is a whole number of the currency's minor units; anything
    /// finer is refused. Written like `decimalMajor` (`"100.10"`).
    case javaDouble

    /// The wire text for `money`.
    public func encode(_ money: Money) throws(GatewayError) -> String {
        switch self {
        case .decimalMajor(let whole):
            if whole.contains(money.currency.code) {
                guard money.minorUnits % money.currency.minorUnitsPerMajor == 0 else {
                    throw GatewayError(.unrepresentableAmount, "\(money.currency.code) amounts carry no decimals here; \(money) has some")
                }
                return String(money.minorUnits / money.currency.minorUnitsPerMajor)
            }
            return money.decimalString
        case .integerMinor:
            return String(money.minorUnits)
        case .javaDouble:
            return money.decimalString
        }
    }

    /// Reads the literal wire text of an amount (a JSON string's value or a number's literal).
    public func decode(_ text: String, currency: Currency) throws(CallbackRejection) -> Money {
        switch self {
        case .decimalMajor(let whole):
            do {
                let money = try Money(parsing: text, currency: currency)
                if whole.contains(currency.code), text.contains(".") {
                    throw CallbackRejection(.invalidAmount, "\(currency.code) amounts carry no decimals here; got \"\(text)\"")
                }
                return money
            } catch let error as MoneyParseError {
                throw CallbackRejection(.invalidAmount, "amount \"\(text)\": \(error.description)")
            } catch {
                throw error as! CallbackRejection
            }
        case .integerMinor:
            guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw CallbackRejection(.invalidAmount, "amount \"\(text)\" is not a whole number of minor units")
            }
            guard let minor = Int64(text) else { throw CallbackRejection(.invalidAmount, "amount \"\(text)\" is too large") }
            return Money(minorUnits: minor, currency: currency)
        case .javaDouble:
            return Money(minorUnits: try Self.exactMinorUnits(text, exponent: currency.exponent), currency: currency)
        }
    }

    /// The exact number of minor units (10^-`exponent` major units) that decimal `text` — digits,
    /// an optional fraction, an optional `E`/`e` exponent — stands for.
    static func exactMinorUnits(_ text: String, exponent: Int) throws(CallbackRejection) -> Int64 {
        func refuse(_ why: String) -> CallbackRejection { CallbackRejection(.invalidAmount, "amount \"\(text)\" \(why)") }
        let parts = text.split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false).flatMap {
            $0.split(separator: "E", maxSplits: 1, omittingEmptySubsequences: false)
        }
        guard (1...2).contains(parts.count) else { throw refuse("is not a decimal number") }
        let number = parts[0].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = number[0]
        let fraction = number.count == 2 ? number[1] : ""
        guard !whole.isEmpty, whole.utf8.allSatisfy({ (0x30...0x39).contains($0) }), fraction.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            number.count == 1 || !fraction.isEmpty
        else { throw refuse("is not a decimal number") }
        var power = 0
        if parts.count == 2 {
            let written = parts[1]
            let digits = written.first == "+" || written.first == "-" ? written.dropFirst() : written[...]
            guard !digits.isEmpty, digits.count <= 3, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = Int(digits) else {
                throw refuse("has an unreadable exponent")
            }
            power = written.first == "-" ? -value : value
        }
        // value = digits × 10^(power − fraction digits); in minor units, × 10^exponent more.
        var digits = Substring(String(whole) + String(fraction)).drop { $0 == "0" }
        var shift = power - fraction.count + exponent
        while shift < 0, digits.last == "0" {
            digits = digits.dropLast()
            shift += 1
        }
        if digits.isEmpty { return 0 }
        guard shift >= 0 else { throw refuse("is finer than a minor unit of this currency") }
        guard digits.count + shift <= 18, let significant = Int64(digits) else { throw refuse("is too large") }
        var minor = significant
        for _ in 0..<shift { minor *= 10 }
        return minor
    }
}

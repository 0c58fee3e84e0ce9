import PaySyncCore

/// How a gateway writes amounts on the wire.
public enum AmountCodec: Sendable {
    /// Decimal text in major units with the currency's digits (`"100.10"`) — CodePay, PayBy,
    /// NewPay. `wholeUnitCurrencies` may carry no decimals at all (NewPay: LAK).
    case decimalMajor(wholeUnitCurrencies: Set<String>)
    /// Integer minor units (`10010`) — PayZApp (INR/BRL ×100, USDT ×10^6).
    case integerMinor

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
        }
    }
}

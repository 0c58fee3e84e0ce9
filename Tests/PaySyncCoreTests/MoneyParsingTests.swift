import PaySyncCore
import Testing

@Suite("Money parsing")
struct MoneyParsingTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        let text: String
        let currency: Currency
        let minorUnits: Int64
        var testDescription: String { "\"\(text)\" \(currency.code) = \(minorUnits)" }
    }

    static let valid: [Valid] = [
        Valid(text: "100", currency: .USD, minorUnits: 10_000),
        Valid(text: "100.5", currency: .USD, minorUnits: 10_050),
        Valid(text: "100.50", currency: .USD, minorUnits: 10_050),
        Valid(text: "100.10", currency: .USD, minorUnits: 10_010),
        Valid(text: "0.01", currency: .CNY, minorUnits: 1),
        Valid(text: "0", currency: .AED, minorUnits: 0),
        Valid(text: "007.5", currency: .INR, minorUnits: 750),
        Valid(text: "25000", currency: .LAK, minorUnits: 2_500_000),
        Valid(text: "5", currency: .JPY, minorUnits: 5),
        Valid(text: "1.234", currency: .KWD, minorUnits: 1_234),
        Valid(text: "1.000001", currency: .USDT, minorUnits: 1_000_001),
        Valid(text: "9223372036854775807", currency: .JPY, minorUnits: .max),
        Valid(text: "92233720368547758.07", currency: .USD, minorUnits: .max),
    ]

    @Test("accepts exact decimal text", arguments: valid)
    func accepts(_ example: Valid) throws {
        let money = try Money(parsing: example.text, currency: example.currency)
        #expect(money == Money(minorUnits: example.minorUnits, currency: example.currency))
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let text: String
        let currency: Currency
        let error: MoneyParseError
        var testDescription: String { "\"\(text)\" \(currency.code) → \(error.code)" }
    }

    static let invalid: [Invalid] = [
        Invalid(text: "", currency: .USD, error: .empty),
        Invalid(text: " 1", currency: .USD, error: .whitespace),
        Invalid(text: "1 ", currency: .USD, error: .whitespace),
        Invalid(text: "1 000", currency: .USD, error: .whitespace),
        Invalid(text: "\t1", currency: .USD, error: .whitespace),
        Invalid(text: "+1", currency: .USD, error: .sign),
        Invalid(text: "-1", currency: .USD, error: .sign),
        Invalid(text: "-0.01", currency: .USD, error: .sign),
        Invalid(text: "1e3", currency: .USD, error: .exponent),
        Invalid(text: "1E3", currency: .USD, error: .exponent),
        Invalid(text: "1.005", currency: .USD, error: .tooManyFractionDigits(allowed: 2)),
        Invalid(text: "1.5", currency: .JPY, error: .tooManyFractionDigits(allowed: 0)),
        Invalid(text: "1.0000001", currency: .USDT, error: .tooManyFractionDigits(allowed: 6)),
        Invalid(text: "١٢", currency: .USD, error: .invalidCharacter("١")),
        Invalid(text: "１", currency: .USD, error: .invalidCharacter("１")),
        Invalid(text: "1,00", currency: .USD, error: .invalidCharacter(",")),
        Invalid(text: "0x10", currency: .USD, error: .invalidCharacter("x")),
        Invalid(text: "NaN", currency: .USD, error: .invalidCharacter("N")),
        Invalid(text: "1.", currency: .USD, error: .malformed),
        Invalid(text: ".5", currency: .USD, error: .malformed),
        Invalid(text: "1.2.3", currency: .USD, error: .malformed),
        Invalid(text: "1-2", currency: .USD, error: .malformed),
        Invalid(text: "92233720368547758.08", currency: .USD, error: .overflow),
        Invalid(text: "9223372036854775808", currency: .JPY, error: .overflow),
        Invalid(text: "99999999999999999999999", currency: .USD, error: .overflow),
    ]

    @Test("refuses bad text with its own error", arguments: invalid)
    func refuses(_ example: Invalid) {
        #expect(throws: example.error) { try Money(parsing: example.text, currency: example.currency) }
    }

    @Test("every refusal has a distinct error code")
    func distinctCodes() {
        let codes = Set(Self.invalid.map(\.error.code))
        #expect(codes.count == 8)
    }
}

@Suite("Money values")
struct MoneyValueTests {
    @Test("decimal text round trips through minor units", arguments: [
        ("100.10", Currency.USD), ("0.05", .USD), ("25000.00", .LAK), ("7", .JPY), ("0.001", .KWD), ("12.345678", .USDT),
    ])
    func roundTrip(_ text: String, _ currency: Currency) throws {
        #expect(try Money(parsing: text, currency: currency).decimalString == text)
    }

    @Test("decimal text pads short fractions to the currency's exponent")
    func pads() throws {
        #expect(try Money(parsing: "100.1", currency: .USD).decimalString == "100.10")
        #expect(Money(minorUnits: 1_000_000, currency: .USDT).decimalString == "1.000000")
        #expect(Money(minorUnits: -5, currency: .USD).decimalString == "-0.05")
    }

    @Test("adding needs one currency and refuses overflow")
    func adding() {
        let a = Money(minorUnits: 150, currency: .USD)
        #expect(a.adding(Money(minorUnits: 50, currency: .USD)) == Money(minorUnits: 200, currency: .USD))
        #expect(a.adding(Money(minorUnits: 50, currency: .CNY)) == nil)
        #expect(Money(minorUnits: .max, currency: .USD).adding(Money(minorUnits: 1, currency: .USD)) == nil)
    }

    @Test("amounts of different currencies are never equal")
    func currencyMatters() {
        #expect(Money(minorUnits: 100, currency: .USD) != Money(minorUnits: 100, currency: .CNY))
    }

    @Test("the registry knows the gateways' currencies and configured assets")
    func registry() {
        #expect(CurrencyRegistry.standard.currency(code: "USDT")?.exponent == 6)
        #expect(CurrencyRegistry.iso4217.currency(code: "USDT") == nil)
        #expect(CurrencyRegistry.standard.codes == ["AED", "BRL", "CNY", "EUR", "INR", "JPY", "KWD", "LAK", "USD", "USDT"])
        let custom = CurrencyRegistry.iso4217.adding(Currency(code: "USDC", exponent: 6, isISO4217: false))
        #expect(custom.currency(code: "USDC")?.minorUnitsPerMajor == 1_000_000)
    }
}

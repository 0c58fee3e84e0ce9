extension Money {
    /// Parses the exact decimal text a gateway or merchant sends, in major units.
    ///
    /// Accepts ASCII digits with at most one `.` and at most `currency.exponent` fraction digits:
    /// `"100"`, `"100.5"` and `"100.50"` are all 10050 minor units of USD. Refuses, each with its
    /// own error: empty text, white space, a sign, an exponent, too many fraction digits, any other
    /// character (non-ASCII digits included), a dangling or repeated `.`, and overflow.
    public init(parsing text: some StringProtocol, currency: Currency) throws(MoneyParseError) {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { throw .empty }
        var integerDigits = 0
        var fractionDigits = 0
        var sawDot = false
        var value: Int64 = 0
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case "0"..."9":
                if sawDot {
                    fractionDigits += 1
                    guard fractionDigits <= currency.exponent else { throw .tooManyFractionDigits(allowed: currency.exponent) }
                } else {
                    integerDigits += 1
                }
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) = times10.addingReportingOverflow(Int64(scalar.value - 48))
                guard !o1, !o2 else { throw .overflow }
                value = next
            case ".":
                guard !sawDot, integerDigits > 0, index < scalars.count - 1 else { throw .malformed }
                sawDot = true
            case "+", "-":
                throw index == 0 ? .sign : .malformed
            case "e", "E":
                throw .exponent
            case " ", "\t", "\n", "\r", "\u{A0}":
                throw .whitespace
            default:
                throw .invalidCharacter(Character(scalar))
            }
        }
        guard integerDigits > 0 else { throw .malformed }
        var scaled = value
        for _ in fractionDigits..<currency.exponent {
            let (next, overflow) = scaled.multipliedReportingOverflow(by: 10)
            guard !overflow else { throw .overflow }
            scaled = next
        }
        self.init(minorUnits: scaled, currency: currency)
    }

}

/// The currencies a deployment accepts, looked up by code.
///
/// `iso4217` holds the ISO 4217 currencies PaySync's gateways use; `standard` adds the USDT asset
/// (PaySync's default configuration); a configuration adds further assets with `adding(_:)`.
public struct CurrencyRegistry: Sendable {
    private var byCode: [String: Currency]

    public init(_ currencies: [Currency]) {
        byCode = Dictionary(currencies.map { ($0.code, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// CNY, USD, LAK, INR, BRL, AED, EUR, JPY, KWD.
    public static let iso4217 = CurrencyRegistry([.CNY, .USD, .LAK, .INR, .BRL, .AED, .EUR, .JPY, .KWD])

    /// `iso4217` plus the USDT asset with six decimals.
    public static let standard = iso4217.adding(.USDT)

    /// The currency with this exact upper-case code, or `nil`.
    public func currency(code: String) -> Currency? { byCode[code] }

    /// A registry with `asset` added (or replacing a currency of the same code).
    public func adding(_ asset: Currency) -> CurrencyRegistry {
        var copy = self
        copy.byCode[asset.code] = asset
        return copy
    }

    /// Every known code, sorted.
    public var codes: [String] { byCode.keys.sorted() }
}

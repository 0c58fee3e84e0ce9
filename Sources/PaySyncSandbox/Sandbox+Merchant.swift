import PaySyncCore
import PaySyncGateways

/// The merchant side of a sandbox: keys and adapters that talk to it.
public struct SandboxCredentials: Sendable {
    public let merchantKey: RSASigningKey
    public let gatewayKey: RSASigningKey
    public let payZAppSecret: String

    public init(merchantKey: RSASigningKey, gatewayKey: RSASigningKey, payZAppSecret: String) {
        self.merchantKey = merchantKey
        self.gatewayKey = gatewayKey
        self.payZAppSecret = payZAppSecret
    }

    /// Fresh keys and a random PayZApp secret.
    public static func generate() -> SandboxCredentials {
        var random = SystemRandomNumberGenerator()
        let secret = (0..<4).map { _ in String(random.next(), radix: 16) }.joined()
        return SandboxCredentials(merchantKey: .generate(), gatewayKey: .generate(), payZAppSecret: secret)
    }

    /// The sandbox's configuration for these credentials.
    public func sandboxConfiguration() throws -> SandboxConfiguration {
        SandboxConfiguration(
            gatewayKey: gatewayKey, merchantPublicKeys: try RSAVerificationKeys(pems: [merchantKey.publicKeyPEM]), payZAppSecret: payZAppSecret)
    }

    /// One adapter per gateway, pointed at a sandbox listening at `baseURL` (e.g. `http://127.0.0.1:8081`).
    public func adapters(baseURL: String, merchant: SandboxMerchant = SandboxMerchant(), currencies: CurrencyRegistry = .standard) throws -> [any GatewayAdapter] {
        let gatewayKeys = try RSAVerificationKeys(pems: [gatewayKey.publicKeyPEM])
        return [
            CodePayAdapter(configuration: CodePayConfiguration(
                appID: merchant.codePayAppID, merchantNumber: merchant.codePayMerchantNumber, merchantKey: merchantKey, gatewayKeys: gatewayKeys,
                baseURL: baseURL + "/codepay", currencies: currencies)),
            PayByAdapter(configuration: PayByConfiguration(
                partnerID: merchant.payByPartnerID, merchantKey: merchantKey, gatewayKeys: gatewayKeys, baseURL: baseURL + "/payby", currencies: currencies)),
            NewPayAdapter(configuration: NewPayConfiguration(
                appID: merchant.newPayAppID, merchantID: merchant.newPayMerchantID, merchantKey: merchantKey, gatewayKeys: gatewayKeys,
                baseURL: baseURL + "/newpay", currencies: currencies)),
            PayZAppAdapter(configuration: PayZAppConfiguration(
                merchantNumber: merchant.payZAppMerchantNumber, accessKey: merchant.payZAppAccessKey, secrets: try HMACSecrets([payZAppSecret]),
                baseURL: baseURL + "/payzapp", currencies: currencies)),
        ]
    }
}

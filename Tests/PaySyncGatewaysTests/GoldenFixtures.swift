import Foundation
import PaySyncCore
import PaySyncGateways

/// Committed keys and callbacks (see scripts/make-golden-vectors.py, which signs with openssl and
/// Python independently of the Swift code under test).
enum Golden {
    static let now = Timestamp(millisecondsSinceEpoch: 1_795_538_439_123)

    static func text(_ path: String) -> String {
        let url = Bundle.module.url(forResource: "Fixtures/\(path)", withExtension: nil)!
        return try! String(contentsOf: url, encoding: .utf8)
    }

    static func bytes(_ path: String) -> [UInt8] { Array(text(path).utf8) }

    static let merchantKey = try! RSASigningKey(pem: text("keys/merchant-pkcs8.pem"))
    static let merchantKeyPKCS1 = try! RSASigningKey(pem: text("keys/merchant-pkcs1.pem"))
    static let gatewayKey = try! RSASigningKey(pem: text("keys/gateway-pkcs1.pem"))
    static let merchantPublic = try! RSAVerificationKeys(pems: [text("keys/merchant-public.pem")])
    static let gatewayPublic = try! RSAVerificationKeys(pems: [text("keys/gateway-public.pem")])
    static let gatewayPublicRotating = try! RSAVerificationKeys(pems: [text("keys/gateway-public.pem"), text("keys/gateway-old-public.pem")])

    static func codePay(keys: RSAVerificationKeys = gatewayPublic) -> CodePayAdapter {
        CodePayAdapter(configuration: CodePayConfiguration(
            appID: "app-cp", merchantNumber: "M100", merchantKey: merchantKey, gatewayKeys: keys, baseURL: "http://127.0.0.1:1"))
    }

    static func payBy() -> PayByAdapter {
        PayByAdapter(configuration: PayByConfiguration(partnerID: "200000001", merchantKey: merchantKeyPKCS1, gatewayKeys: gatewayPublic, baseURL: "http://127.0.0.1:1"))
    }

    static func newPay() -> NewPayAdapter {
        NewPayAdapter(configuration: NewPayConfiguration(appID: "app1", merchantID: "mch1", merchantKey: merchantKey, gatewayKeys: gatewayPublic, baseURL: "http://127.0.0.1:1"))
    }

    static func payZApp(secrets: [String] = ["payzapp-secret-1"]) -> PayZAppAdapter {
        PayZAppAdapter(configuration: PayZAppConfiguration(
            merchantNumber: "MNO1", accessKey: "AK1", secrets: try! HMACSecrets(secrets), baseURL: "http://127.0.0.1:1"))
    }

    static var payZAppHeaders: [String: String] {
        try! JSONDecoder().decode([String: String].self, from: Data(text("callbacks/payzapp-payment.headers.json").utf8))
    }
}

extension Array where Element == UInt8 {
    /// The same bytes with the first occurrence of `from` replaced by `to` (one byte changed).
    func replacingFirst(_ from: String, with to: String) -> [UInt8] {
        let text = String(decoding: self, as: UTF8.self)
        guard let range = text.range(of: from) else { fatalError("\(from) not in vector") }
        return Array(text.replacingCharacters(in: range, with: to).utf8)
    }
}

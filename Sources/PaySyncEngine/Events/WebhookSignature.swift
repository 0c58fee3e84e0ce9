import Crypto
import Foundation

/// Standard Webhooks signatures (standard-webhooks/standard-webhooks, spec/standard-webhooks.md):
/// `v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` under the secret's
/// bytes — the base64 after `whsec_`. Several secrets sign side by side, space-separated, so a
/// receiver holding any one of them verifies during a rotation.
public enum WebhookSignature {
    /// Why a secret cannot sign.
    public struct InvalidSecret: Error, Hashable, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The `webhook-signature` header for `body` sent as message `id` at `timestamp` (Unix seconds).
    public static func header(id: String, timestamp: Int64, body: [UInt8], secrets: [String]) throws -> String {
        try secrets.map { try signature(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }

    /// One `v1,<base64>` signature.
    public static func signature(id: String, timestamp: Int64, body: [UInt8], secret: String) throws -> String {
        let key = SymmetricKey(data: try secretBytes(secret))
        var content = Array("\(id).\(timestamp).".utf8)
        content.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The key bytes of a `whsec_` secret: 24 to 64 of them.
    public static func secretBytes(_ secret: String) throws -> [UInt8] {
        guard secret.hasPrefix("whsec_"), let bytes = Data(base64Encoded: String(secret.dropFirst("whsec_".count))) else {
            throw InvalidSecret(description: "a secret is whsec_ followed by base64")
        }
        guard (24...64).contains(bytes.count) else { throw InvalidSecret(description: "a secret holds 24 to 64 bytes, not \(bytes.count)") }
        return Array(bytes)
    }

    /// A new secret of `byteCount` random bytes (default 32).
    public static func newSecret(byteCount: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }
}

import Crypto
import Foundation
import Synchronization
import _CryptoExtras

/// A private key that signs SHA256withRSA (RSASSA-PKCS1-v1_5 with SHA-256, "RSA2"), the scheme
/// CodePay, PayBy and NewPay use. Reads PEM in PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`).
public struct RSASigningKey: Sendable {
    let key: _RSA.Signing.PrivateKey
    #if os(Linux)
    /// The same key in OpenSSL, which signs twice as fast here (see `OpenSSLSigner`).
    let openSSL: OpenSSLSigner?
    #endif
    /// Signatures already made, for a signer whose messages repeat (`remembering(upTo:)`).
    let memo: SignatureMemo?

    public init(pem: String) throws(KeyError) {
        do { self.init(key: try _RSA.Signing.PrivateKey(pemRepresentation: pem)) } catch {
            throw KeyError("not a usable RSA private key in PEM (PKCS#1 or PKCS#8, 2048 bits or more): \(error)")
        }
    }

    /// A fresh 2048-bit key (the sandbox makes its own keys when none are configured).
    public static func generate() -> RSASigningKey {
        RSASigningKey(key: try! _RSA.Signing.PrivateKey(keySize: .bits2048))
    }

    /// `key` has passed swift-crypto's checks (RSA, 2048 bits or more) before OpenSSL sees it.
    private init(key: _RSA.Signing.PrivateKey) {
        self.key = key
        #if os(Linux)
        openSSL = OpenSSLSigner(pem: key.pemRepresentation)
        #endif
        memo = nil
    }

    private init(_ other: RSASigningKey, memo: SignatureMemo) {
        key = other.key
        #if os(Linux)
        openSSL = other.openSSL
        #endif
        self.memo = memo
    }

    /// This key, remembering the signatures of up to `capacity` distinct messages it signed
    /// (when full, it forgets them all and starts afresh). PKCS#1 v1.5 signatures are
    /// deterministic, so a repeated message gets the same bytes for the cost of a SHA-256 instead
    /// of an RSA private-key operation. For a signer whose messages repeat: the sandbox answers
    /// every query about a pending order with the same bytes, and PaySync queries NewPay with the
    /// same bytes each time (CodePay's and PayBy's requests carry a timestamp and never repeat).
    public func remembering(upTo capacity: Int) -> RSASigningKey {
        RSASigningKey(self, memo: SignatureMemo(capacity: capacity))
    }

    /// Standard Base64 of the SHA256withRSA signature of `bytes`.
    public func sign(_ bytes: some DataProtocol) -> String {
        let message = Data(bytes)
        guard let memo else { return signature(message) }
        let digest = SHA256.hash(data: message)
        if let known = memo.signature(of: digest) { return known }
        let signature = signature(message)
        memo.remember(signature, of: digest)
        return signature
    }

    private func signature(_ message: Data) -> String {
        #if os(Linux)
        if let openSSL, let signature = message.withUnsafeBytes({ openSSL.sign($0) }) {
            return Data(signature).base64EncodedString()
        }
        #endif
        return swiftCryptoSignature(message).base64EncodedString()
    }

    /// The signature by swift-crypto (BoringSSL): the same bytes, where OpenSSL is not at hand.
    func swiftCryptoSignature(_ message: Data) -> Data {
        // Signing with a valid key cannot fail for SHA-256 digests.
        try! key.signature(for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5).rawRepresentation
    }

    public var publicKeyPEM: String { key.publicKey.pemRepresentation }
    /// The private key in PKCS#8 PEM (for writing sandbox key files).
    public var privateKeyPEM: String { key.pemRepresentation }
}

/// Signatures by message digest, at most `capacity` of them.
final class SignatureMemo: Sendable {
    let capacity: Int
    private let signatures = Mutex<[SHA256Digest: String]>([:])

    init(capacity: Int) { self.capacity = max(1, capacity) }

    func signature(of digest: SHA256Digest) -> String? { signatures.withLock { $0[digest] } }

    func remember(_ signature: String, of digest: SHA256Digest) {
        signatures.withLock {
            if $0.count >= capacity { $0.removeAll(keepingCapacity: true) }
            $0[digest] = signature
        }
    }

    var count: Int { signatures.withLock { $0.count } }
}

/// The public keys a signature may verify against: the current key and any still accepted during
/// a rotation. A signature is valid when any key accepts it.
public struct RSAVerificationKeys: Sendable {
    let keys: [_RSA.Signing.PublicKey]

    public init(pems: [String]) throws(KeyError) {
        guard !pems.isEmpty else { throw KeyError("at least one verification key is needed") }
        var keys: [_RSA.Signing.PublicKey] = []
        for pem in pems {
            do { keys.append(try _RSA.Signing.PublicKey(pemRepresentation: pem)) } catch {
                throw KeyError("not a usable RSA public key in PEM: \(error)")
            }
        }
        self.keys = keys
    }

    /// `true` when `base64Signature` is a SHA256withRSA signature of `bytes` by one of the keys.
    /// A blank or non-Base64 signature is never valid.
    public func verify(base64Signature: String, over bytes: some DataProtocol) -> Bool {
        guard !base64Signature.isEmpty, let raw = Data(base64Encoded: base64Signature) else { return false }
        let digest = SHA256.hash(data: Data(bytes))
        let signature = _RSA.Signing.RSASignature(rawRepresentation: raw)
        return keys.contains { $0.isValidSignature(signature, for: digest, padding: .insecurePKCS1v1_5) }
    }
}

/// HMAC-SHA256 secrets: the first signs, any verifies (rotation). Verification is constant-time.
public struct HMACSecrets: Sendable {
    /// One HMAC per secret, already keyed: each message copies one and feeds it, so the key's
    /// inner and outer pads are hashed once, not per message.
    let keyed: [HMAC<SHA256>]

    public init(_ secrets: [String]) throws(KeyError) {
        guard !secrets.isEmpty, secrets.allSatisfy({ !$0.isEmpty }) else { throw KeyError("at least one non-empty HMAC secret is needed") }
        keyed = secrets.map { HMAC<SHA256>(key: SymmetricKey(data: Data($0.utf8))) }
    }

    /// Standard Base64 of HMAC-SHA256(first secret, bytes).
    public func sign(_ bytes: some DataProtocol) -> String {
        var mac = keyed[0]
        mac.update(data: bytes)
        return Data(mac.finalize()).base64EncodedString()
    }

    /// `true` when `base64Code` is the HMAC of `bytes` under one of the secrets.
    public func verify(base64Code: String, over bytes: some DataProtocol) -> Bool {
        guard !base64Code.isEmpty, let code = Data(base64Encoded: base64Code) else { return false }
        // `==` between a MAC and bytes compares in constant time; every key is tried.
        return keyed.reduce(false) { valid, keyed in
            var mac = keyed
            mac.update(data: bytes)
            return (mac.finalize() == code) || valid
        }
    }
}

/// A key or secret that cannot be used, with the reason.
public struct KeyError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

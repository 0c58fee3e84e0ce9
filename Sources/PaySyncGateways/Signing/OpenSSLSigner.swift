#if os(Linux)
import COpenSSL

/// SHA256withRSA (PKCS#1 v1.5) signing through the system's OpenSSL 3 libcrypto.
///
/// Only the private-key operation moves here, because it is where the time goes: every request
/// PaySync sends an RSA gateway, and every answer the sandbox signs, costs one, and OpenSSL 3 has
/// a faster path for 2048-bit keys than BoringSSL (docs/decisions.md, D34). PKCS#1 v1.5 signatures are deterministic,
/// so both libraries give the same bytes for the same key and message (a test checks). Keys are
/// still parsed, generated and validated by swift-crypto; this type receives one it accepted.
final class OpenSSLSigner: @unchecked Sendable {
    // Immutable after init. OpenSSL 3 allows concurrent signing with one `EVP_PKEY` (its blinding
    // is locked internally), hence unchecked.
    private let key: OpaquePointer

    /// Loads a private key from PEM (PKCS#1 or PKCS#8); nil when OpenSSL cannot read it.
    init?(pem: String) {
        let key: OpaquePointer? = pem.utf8CString.withUnsafeBufferPointer { text in
            guard let bio = BIO_new_mem_buf(text.baseAddress, Int32(text.count - 1)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key else { return nil }
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else {
            EVP_PKEY_free(key)
            return nil
        }
        self.key = key
    }

    deinit { EVP_PKEY_free(key) }

    /// The SHA256withRSA signature of `bytes`; nil if OpenSSL fails.
    func sign(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let context = EVP_MD_CTX_new() else { return nil }
        defer { EVP_MD_CTX_free(context) }
        // Without a padding set, an RSA key signs with PKCS#1 v1.5.
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else { return nil }
        var length = Int(EVP_PKEY_get_size(key))
        var signature = [UInt8](repeating: 0, count: length)
        let signed = signature.withUnsafeMutableBufferPointer { output in
            EVP_DigestSign(context, output.baseAddress, &length, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
        }
        guard signed == 1 else { return nil }
        return Array(signature.prefix(length))
    }
}
#endif

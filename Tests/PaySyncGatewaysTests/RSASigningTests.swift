import Foundation
import Testing

@testable import PaySyncGateways

@Suite("RSA signing")
struct RSASigningTests {
    static let messages: [[UInt8]] = [
        [],
        Array("merchant_no=M100&merchant_order_no=B-1&order_amount=100.10&price_currency=USD".utf8),
        Array("{\"amount\":\"25000\",\"subject\":\"Café ☕\"}".utf8),
        Array(repeating: 0x41, count: 10_000),
    ]

    #if os(Linux)
    @Test("on Linux every key also loads into OpenSSL, which does the signing")
    func openSSLSigns() {
        for key in [Golden.merchantKey, Golden.merchantKeyPKCS1, Golden.gatewayKey, RSASigningKey.generate()] {
            #expect(key.openSSL != nil)
        }
    }
    #endif

    @Test("signatures are byte-identical to swift-crypto's (PKCS#1 v1.5 is deterministic), from PKCS#8 and PKCS#1 keys")
    func sameBytesAsSwiftCrypto() {
        for key in [Golden.merchantKey, Golden.merchantKeyPKCS1, Golden.gatewayKey] {
            for message in Self.messages {
                #expect(key.sign(message) == key.swiftCryptoSignature(Data(message)).base64EncodedString())
            }
        }
    }

    @Test("a remembering key gives every message the plain key's signature, and signs a repeat from memory")
    func rememberedSignatures() throws {
        let key = Golden.gatewayKey.remembering(upTo: 3)
        let memo = try #require(key.memo)
        for message in Self.messages.prefix(3) {
            #expect(key.sign(message) == Golden.gatewayKey.sign(message))
        }
        #expect(memo.count == 3)
        // Repeats come from memory: nothing new is remembered.
        for message in Self.messages.prefix(3) {
            #expect(key.sign(message) == Golden.gatewayKey.sign(message))
        }
        #expect(memo.count == 3)
        // A fourth message fills the memory: it starts afresh with that message.
        #expect(key.sign(Self.messages[3]) == Golden.gatewayKey.sign(Self.messages[3]))
        #expect(memo.count == 1)
        #expect(key.sign(Self.messages[0]) == Golden.gatewayKey.sign(Self.messages[0]))
        #expect(memo.count == 2)
    }

    @Test("a signature verifies under the key's public half and not another's")
    func verifies() {
        let message = Self.messages[1]
        let signature = Golden.gatewayKey.sign(message)
        #expect(Golden.gatewayPublic.verify(base64Signature: signature, over: message))
        #expect(!Golden.merchantPublic.verify(base64Signature: signature, over: message))
        #expect(!Golden.gatewayPublic.verify(base64Signature: signature, over: message + [0x20]))
    }

    @Test("the PayBy golden signature, made by the openssl command line over the raw body, is reproduced exactly")
    func reproducesGoldenVector() {
        let expected = Golden.text("callbacks/payby-payment.sign").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Golden.gatewayKey.sign(Golden.bytes("callbacks/payby-payment.json")) == expected)
    }
}

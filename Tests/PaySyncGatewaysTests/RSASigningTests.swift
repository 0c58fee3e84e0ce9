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

    @Test("NewPay queries repeat byte for byte: the second query of an order is signed from memory, another order's is not")
    func newPayQueriesSignedOnce() throws {
        let adapter = Golden.newPay()
        let memo = try #require(adapter.configuration.merchantKey.memo)
        func query(_ number: String, at seconds: Int64) throws -> [UInt8] {
            try adapter.request(
                for: .queryPayment(PaymentReference(merchantOrderNumber: number)), now: Golden.now.adding(milliseconds: seconds * 1_000), nonce: "n\(seconds)"
            ).body
        }
        let first = try query("A-1001", at: 0)
        #expect(memo.count == 1)
        // Thirty seconds later, another nonce: the same bytes, nothing new signed.
        #expect(try query("A-1001", at: 30) == first)
        #expect(memo.count == 1)
        #expect(try query("A-1002", at: 60) != first)
        #expect(memo.count == 2)
        // The remembered signature is the plain key's.
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.contains(#""sign":"\#(Golden.merchantKey.sign(Array("appId=app1&mchId=mch1&mchOrderNo=A-1001".utf8)))""#))
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

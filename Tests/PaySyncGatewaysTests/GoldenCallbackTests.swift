import PaySyncCore
import PaySyncGateways
import Testing

@Suite("Golden callbacks")
struct GoldenCallbackTests {
    // MARK: CodePay

    @Test("CodePay: the golden notification verifies and reads 100.10 USD paid")
    func codePayVerifies() throws {
        let event = try Golden.codePay().callback(InboundCallback(headers: [:], body: Golden.bytes("callbacks/codepay-payment.json")), now: Golden.now)
        #expect(event.subject == .payment(PaymentReport(
            merchantOrderNumber: "A-1001", gatewayOrderNumber: "CP9001", state: .paid, providerStatus: "2",
            amount: Money(minorUnits: 10_010, currency: .USD), merchantID: "M100")))
        // The kind and order number in clear, then SHA-256 of the identifying fields (computed with Python's hashlib).
        #expect(event.dedupKey == "codepay:sale:A-1001:1e676e11d1f8668c34590cd033855493dddd4c3e13518afbb6dca31327c2f9cb")
    }

    @Test("CodePay: one byte changed does not verify")
    func codePayTampered() {
        let body = Golden.bytes("callbacks/codepay-payment.json").replacingFirst("100.10", with: "900.10")
        #expect(throws: CallbackRejection(.badSignature, "sign does not verify with any configured CodePay key")) {
            try Golden.codePay().callback(InboundCallback(headers: [:], body: body), now: Golden.now)
        }
    }

    @Test("CodePay: a blank sign is refused (the vendor SDK would accept it)")
    func codePayBlankSign() throws {
        let text = Golden.text("callbacks/codepay-payment.json")
        let blank = text.replacing(#/"sign":"[^"]*"/#, with: #""sign":"""#)
        #expect(throws: CallbackRejection(.missingSignature, "the notification has no sign")) {
            try Golden.codePay().callback(InboundCallback(headers: [:], body: Array(blank.utf8)), now: Golden.now)
        }
    }

    @Test("CodePay: a notification signed with the rotated-out key verifies only while that key is configured")
    func codePayRotation() throws {
        let body = Golden.bytes("callbacks/codepay-payment-old-key.json")
        #expect(throws: CallbackRejection.self) { try Golden.codePay().callback(InboundCallback(headers: [:], body: body), now: Golden.now) }
        let event = try Golden.codePay(keys: Golden.gatewayPublicRotating).callback(InboundCallback(headers: [:], body: body), now: Golden.now)
        #expect(event.dedupKey == (try Golden.codePay().callback(InboundCallback(headers: [:], body: Golden.bytes("callbacks/codepay-payment.json")), now: Golden.now)).dedupKey)
    }

    // MARK: PayBy

    @Test("PayBy: the golden notification verifies over its raw body and keeps 100.10 as 10010 fils")
    func payByVerifies() throws {
        let request = InboundCallback(headers: ["Sign": Golden.text("callbacks/payby-payment.sign")], body: Golden.bytes("callbacks/payby-payment.json"))
        let event = try Golden.payBy().callback(request, now: Golden.now)
        #expect(event.subject == .payment(PaymentReport(
            merchantOrderNumber: "A-1001", gatewayOrderNumber: "PB123", state: .paid, providerStatus: "PAID_SUCCESS",
            amount: Money(minorUnits: 10_010, currency: .AED), merchantID: "200000001")))
        #expect(event.dedupKey == "payby:N-0001")
    }

    @Test("PayBy: re-encoding 100.10 as 100.1 (a Codable round trip) breaks the signature")
    func payByLiteralMatters() {
        let body = Golden.bytes("callbacks/payby-payment.json").replacingFirst("100.10", with: "100.1")
        let request = InboundCallback(headers: ["sign": Golden.text("callbacks/payby-payment.sign")], body: body)
        #expect(throws: CallbackRejection(.badSignature, "sign header does not verify with any configured PayBy key")) {
            try Golden.payBy().callback(request, now: Golden.now)
        }
    }

    @Test("PayBy: a missing or blank sign header is refused", arguments: [[:], ["sign": ""]])
    func payByNoSign(_ headers: [String: String]) {
        #expect(throws: CallbackRejection(.missingSignature, "the notification has no sign header")) {
            try Golden.payBy().callback(InboundCallback(headers: headers, body: Golden.bytes("callbacks/payby-payment.json")), now: Golden.now)
        }
    }

    // MARK: NewPay

    @Test("NewPay: the golden callback verifies (nested orderAmt, numbers as sent) and reads 25000 LAK")
    func newPayVerifies() throws {
        let event = try Golden.newPay().callback(InboundCallback(headers: [:], body: Golden.bytes("callbacks/newpay-payment.json")), now: Golden.now)
        #expect(event.subject == .payment(PaymentReport(
            merchantOrderNumber: "A-1001", gatewayOrderNumber: "NP1", state: .paid, providerStatus: "SUCCESS",
            amount: Money(minorUnits: 2_500_000, currency: .LAK), merchantID: "app1")))
    }

    @Test("NewPay: one byte changed in the nested amount does not verify")
    func newPayTampered() {
        let body = Golden.bytes("callbacks/newpay-payment.json").replacingFirst("\"25000\"", with: "\"25001\"")
        #expect(throws: CallbackRejection(.badSignature, "data.sign does not verify with any configured NewPay key")) {
            try Golden.newPay().callback(InboundCallback(headers: [:], body: body), now: Golden.now)
        }
    }

    @Test("NewPay: a blank data.sign is refused")
    func newPayBlank() {
        let text = Golden.text("callbacks/newpay-payment.json").replacing(#/"sign":"[^"]*"/#, with: #""sign":"""#)
        #expect(throws: CallbackRejection(.missingSignature, "data has no sign")) {
            try Golden.newPay().callback(InboundCallback(headers: [:], body: Array(text.utf8)), now: Golden.now)
        }
    }

    // MARK: PayZApp

    @Test("PayZApp: the golden callback verifies and reads 10010 paise")
    func payZAppVerifies() throws {
        let event = try Golden.payZApp().callback(InboundCallback(headers: Golden.payZAppHeaders, body: Golden.bytes("callbacks/payzapp-payment.json")), now: Golden.now)
        #expect(event.subject == .payment(PaymentReport(
            merchantOrderNumber: "A-1001", gatewayOrderNumber: "PZ77", state: .paid, providerStatus: "SUCCESS",
            amount: Money(minorUnits: 10_010, currency: .INR), merchantID: "MNO1")))
    }

    @Test("PayZApp: one byte changed does not verify")
    func payZAppTampered() {
        let body = Golden.bytes("callbacks/payzapp-payment.json").replacingFirst("10010", with: "90010")
        #expect(throws: CallbackRejection(.badSignature, "at-signature does not verify with any configured PayZApp secret")) {
            try Golden.payZApp().callback(InboundCallback(headers: Golden.payZAppHeaders, body: body), now: Golden.now)
        }
    }

    @Test("PayZApp: a blank signature is refused; a second secret verifies during rotation")
    func payZAppBlankAndRotation() throws {
        var headers = Golden.payZAppHeaders
        headers["at-signature"] = ""
        #expect(throws: CallbackRejection(.missingSignature, "the callback has no at-signature header")) {
            try Golden.payZApp().callback(InboundCallback(headers: headers, body: Golden.bytes("callbacks/payzapp-payment.json")), now: Golden.now)
        }
        let rotating = Golden.payZApp(secrets: ["payzapp-secret-2", "payzapp-secret-1"])
        _ = try rotating.callback(InboundCallback(headers: Golden.payZAppHeaders, body: Golden.bytes("callbacks/payzapp-payment.json")), now: Golden.now)
    }

    @Test("PayZApp: a callback whose timestamp is more than five minutes off is refused")
    func payZAppStale() {
        #expect(throws: CallbackRejection(.staleTimestamp, "at-timestamp is missing or more than 300 s from now")) {
            try Golden.payZApp().callback(
                InboundCallback(headers: Golden.payZAppHeaders, body: Golden.bytes("callbacks/payzapp-payment.json")),
                now: Golden.now.adding(milliseconds: 301_000))
        }
    }

    // MARK: Acknowledgements

    @Test("each gateway's acknowledgement is its exact bytes")
    func acks() {
        #expect(Golden.codePay().acknowledgement(accepted: true) == CallbackAck(status: 200, contentType: "text/plain", body: "success"))
        #expect(Golden.payBy().acknowledgement(accepted: true) == CallbackAck(status: 200, contentType: "text/plain", body: "SUCCESS"))
        #expect(Golden.newPay().acknowledgement(accepted: true) == CallbackAck(status: 200, contentType: "application/json", body: #"{"transResult":"SUCCESS"}"#))
        #expect(Golden.payZApp().acknowledgement(accepted: true) == CallbackAck(status: 200, contentType: "text/plain", body: "OK"))
        #expect(Golden.newPay().acknowledgement(accepted: false).status == 500)
    }
}

import PaySyncCore
@testable import PaySyncGateways
import Testing

@Suite("Amount codecs")
struct AmountCodecTests {
    @Test("decimal major units round trip exactly", arguments: [("100.10", Currency.USD, Int64(10_010)), ("0.01", .CNY, 1), ("1.5", .AED, 150)])
    func decimalRoundTrip(_ text: String, _ currency: Currency, _ minor: Int64) throws {
        let codec = AmountCodec.decimalMajor(wholeUnitCurrencies: [])
        let money = try codec.decode(text, currency: currency)
        #expect(money.minorUnits == minor)
        #expect(try codec.decode(try codec.encode(money), currency: currency) == money)
    }

    @Test(
        "CodePay reads amounts as Java writes Doubles, by exact value",
        arguments: [
            ("1000.0", Currency.JPY, Int64(1_000)), ("1.0E7", .JPY, 10_000_000), ("1.0E7", .USD, 1_000_000_000), ("100.1", .USD, 10_010),
            ("100.10", .USD, 10_010), ("1.005E2", .USD, 10_050), ("1E-2", .USD, 1), ("0.0", .USD, 0), ("2.5e-1", .KWD, 250), ("007.50", .USD, 750),
        ])
    func javaDoubles(_ text: String, _ currency: Currency, _ minor: Int64) throws {
        #expect(try AmountCodec.javaDouble.decode(text, currency: currency) == Money(minorUnits: minor, currency: currency))
    }

    @Test(
        "CodePay refuses an amount finer than a minor unit, negative, malformed or too large",
        arguments: [
            ("100.005", Currency.USD), ("1.0E-3", .USD), ("1000.5", .JPY), ("-1.0", .USD), ("1.", .USD), (".5", .USD), ("1.0E", .USD),
            ("1.0E+", .USD), ("1e1000", .USD), ("9.9E20", .USD), ("0x10", .USD), ("", .USD), ("1,5", .USD),
        ])
    func javaDoublesRefused(_ text: String, _ currency: Currency) {
        #expect(throws: CallbackRejection.self) { try AmountCodec.javaDouble.decode(text, currency: currency) }
    }

    @Test("NewPay writes LAK without decimals and refuses decimals on LAK")
    func lakWhole() throws {
        let codec = AmountCodec.decimalMajor(wholeUnitCurrencies: ["LAK"])
        #expect(try codec.encode(Money(minorUnits: 2_500_000, currency: .LAK)) == "25000")
        #expect(throws: GatewayError.self) { try codec.encode(Money(minorUnits: 2_500_050, currency: .LAK)) }
        #expect(throws: CallbackRejection.self) { try codec.decode("25000.00", currency: .LAK) }
        #expect(try codec.encode(Money(minorUnits: 10_010, currency: .USD)) == "100.10")
    }

    @Test("PayZApp writes integer minor units; USDT has six decimals; 100.0 is refused")
    func integerMinor() throws {
        let codec = AmountCodec.integerMinor
        #expect(try codec.encode(Money(minorUnits: 10_010, currency: .INR)) == "10010")
        #expect(try codec.decode("1000000", currency: .USDT) == Money(minorUnits: 1_000_000, currency: .USDT))
        #expect(throws: CallbackRejection.self) { try codec.decode("100.0", currency: .INR) }
        #expect(throws: CallbackRejection.self) { try codec.decode("-5", currency: .INR) }
    }
}

@Suite("Raw JSON")
struct RawJSONTests {
    /// 20 members `k0`…`k19`, then `k3` again: past 16 members keys are checked through a set.
    static let largeObjectRepeatingK3: [UInt8] = {
        let members: [String] = (0..<20).map { "\"k\($0)\":\($0)" }
        return Array(("{" + members.joined(separator: ",") + ",\"k3\":0}").utf8)
    }()

    @Test("numbers and strings keep their literal text")
    func literals() throws {
        let value = try RawJSONParser().parse(Array(#"{"a":1.10,"b":"\u00e9","c":{"x":1e2}}"#.utf8))
        #expect(value["a"] == .number("1.10"))
        #expect(value["b"]?.scalarText == "é")
        #expect(value["c"]?.compactText == #"{"x":1e2}"#)
        #expect(value.compactText == #"{"a":1.10,"b":"\u00e9","c":{"x":1e2}}"#)
    }

    @Test("a string without escapes is its own literal; with escapes, only the value is decoded; non-ASCII UTF-8 is kept")
    func strings() throws {
        let value = try RawJSONParser().parse(Array(#"{"plain":"B-1","esc":"a\"b\/c\n","ü":"€"}"#.utf8))
        #expect(value["plain"] == .string(value: "B-1", literal: "B-1"))
        #expect(value["esc"] == .string(value: "a\"b/c\n", literal: #"a\"b\/c\n"#))
        #expect(value["ü"] == .string(value: "€", literal: "€"))
        #expect(value.members?.map(\.key) == ["plain", "esc", "ü"])
    }

    @Test("duplicate keys, deep nesting, invalid UTF-8 and trailing text are refused", arguments: [
        (Array(#"{"a":1,"a":2}"#.utf8), JSONSyntaxError.Code.duplicateKey),
        (RawJSONTests.largeObjectRepeatingK3, .duplicateKey),
        (Array("{\"a\":\"x\u{01}\"}".utf8), .malformed),
        (Array(String(repeating: "[", count: 40).utf8) + Array(String(repeating: "]", count: 40).utf8), .tooDeep),
        ([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], .invalidUTF8),
        (Array(#"{"a":1} x"#.utf8), .malformed),
        (Array(#"{"a":01}"#.utf8), .malformed),
        (Array(#"{"a":"x"#.utf8), .malformed),
    ])
    func refuses(_ bytes: [UInt8], _ code: JSONSyntaxError.Code) {
        #expect(throws: JSONSyntaxError.self) { try RawJSONParser().parse(bytes) }
        do { _ = try RawJSONParser().parse(bytes) } catch { #expect(error.code == code) }
    }
}

@Suite("Outbound requests")
struct OutboundRequestTests {
    let payment = PaymentCreation(
        merchantOrderNumber: "A-1001", amount: Money(minorUnits: 10_010, currency: .USD), subject: "T-shirt", notifyURL: "http://127.0.0.1:8080/callbacks/codepay")

    @Test("CodePay signs its request body with the merchant key, verifiable with the merchant's public key")
    func codePaySigned() throws {
        let request = try Golden.codePay().request(for: .createPayment(payment), now: Golden.now, nonce: "n1")
        #expect(request.url == "http://127.0.0.1:1/api/entry")
        let body = try RawJSONParser().parse(request.body)
        #expect(body["method"]?.scalarText == "pay.checkout")
        #expect(body["order_amount"]?.scalarText == "100.10")
        #expect(body["timestamp"]?.scalarText == "1795538439123")
        #expect(CodePayWire.verify(body, keys: Golden.merchantPublic))
    }

    @Test("CodePay leaves empty fields out of the body: a create without a return URL, a query without a gateway number")
    func codePayOmitsEmpty() throws {
        let create = try RawJSONParser().parse(try Golden.codePay().request(for: .createPayment(payment), now: Golden.now, nonce: "n1").body)
        #expect(create["return_url"] == nil)
        #expect(create["notify_url"]?.scalarText == "http://127.0.0.1:8080/callbacks/codepay")
        let query = try RawJSONParser().parse(
            try Golden.codePay().request(for: .queryPayment(PaymentReference(merchantOrderNumber: "A-1001")), now: Golden.now, nonce: "n2").body)
        #expect(query["trans_no"] == nil)
        #expect(query["merchant_order_no"]?.scalarText == "A-1001")
        #expect(query.members?.contains { $0.value.scalarText == "" } == false)
        #expect(CodePayWire.verify(query, keys: Golden.merchantPublic))
    }

    @Test("PayBy signs the raw body into the sign header")
    func payBySigned() throws {
        var aed = payment
        aed.amount = Money(minorUnits: 10_010, currency: .AED)
        let request = try Golden.payBy().request(for: .createPayment(aed), now: Golden.now, nonce: "n1")
        #expect(request.url == "http://127.0.0.1:1/sgs/api/acquire2/placeOrder")
        #expect(request.header("Partner-Id") == "200000001")
        #expect(Golden.merchantPublic.verify(base64Signature: request.header("sign") ?? "", over: request.body))
        #expect(String(decoding: request.body, as: UTF8.self).hasPrefix(#"{"requestTime":1795538439123,"bizContent":{"merchantOrderNo":"A-1001""#))
    }

    @Test("NewPay and PayZApp have no cancel; CodePay and PayBy have no payouts", arguments: [
        ("newpay", GatewayOperation.cancelPayment(PaymentReference(merchantOrderNumber: "A-1"))),
        ("payzapp", .cancelPayment(PaymentReference(merchantOrderNumber: "A-1"))),
        ("payzapp", .submitRefund(RefundSubmission(refundNumber: "R-1", merchantOrderNumber: "A-1", gatewayOrderNumber: nil, amount: Money(minorUnits: 1, currency: .INR), orderAmount: Money(minorUnits: 1, currency: .INR), reason: "x", notifyURL: "u"))),
        ("codepay", .balance), ("payby", .queryUTR(utr: "1")),
    ])
    func unsupported(_ provider: String, _ operation: GatewayOperation) {
        let adapter: any GatewayAdapter =
            switch provider {
            case "newpay": Golden.newPay()
            case "payzapp": Golden.payZApp()
            case "codepay": Golden.codePay()
            default: Golden.payBy()
            }
        #expect(throws: GatewayError.self) { try adapter.request(for: operation, now: Golden.now, nonce: "n") }
    }

    @Test("PayZApp signs headers, query and body; the at-timestamp is in seconds")
    func payZAppHeaders() throws {
        let request = try Golden.payZApp().request(for: .queryPayment(PaymentReference(merchantOrderNumber: "A-1001")), now: Golden.now, nonce: "abc123")
        #expect(request.url == "http://127.0.0.1:1/trade/payin/query?outTradeNo=A-1001")
        #expect(request.header("at-timestamp") == "1795538439")
        let headers = Dictionary(uniqueKeysWithValues: request.headers.map { ($0.name.lowercased(), $0.value) })
        let signed = PayZAppWire.signedBytes(headers: headers, query: [("outTradeNo", "A-1001")], body: nil, includeBody: true)
        #expect(String(decoding: signed, as: UTF8.self) == "at-access-key=\(headers["at-access-key"] ?? "")&at-mno=\(headers["at-mno"] ?? "")&at-nonce=abc123&at-signature-method=HmacSHA256&at-timestamp=1795538439&outTradeNo=A-1001")
        #expect(try HMACSecrets(["payzapp-secret-1"]).verify(base64Code: headers["at-signature"] ?? "", over: signed))
    }

    @Test("an answer with a forged signature is a failure, never a verdict")
    func forgedAnswer() {
        let forged = CodePayWire.signedBody([("code", "0"), ("msg", "ok"), ("data", #"{"trans_status":"2","merchant_order_no":"A-1001","price_currency":"USD","order_amount":"100.10"}"#)], key: Golden.merchantKey)
        let outcome = Golden.codePay().interpret(GatewayHTTPResponse(status: 200, headers: [:], body: forged), to: .queryPayment(PaymentReference(merchantOrderNumber: "A-1001")))
        #expect(outcome == .failed(GatewayFailure(.badSignature, "answer signature does not verify")))
    }

    @Test("an unknown status in an answer is a typed failure, not a guess")
    func unknownStatus() {
        let body = CodePayWire.signedBody([("code", "0"), ("msg", "ok"), ("data", #"{"trans_status":"7","merchant_order_no":"A-1001","price_currency":"USD","order_amount":"100.10"}"#)], key: Golden.gatewayKey)
        let outcome = Golden.codePay().interpret(GatewayHTTPResponse(status: 200, headers: [:], body: body), to: .queryPayment(PaymentReference(merchantOrderNumber: "A-1001")))
        #expect(outcome == .failed(GatewayFailure(.unknownStatus, "trans_status \"7\" is not one CodePay documents")))
    }

    @Test("a 5xx and a non-JSON body are failures", arguments: [(503, "oops"), (200, "<html>")])
    func transportFailures(_ status: Int, _ body: String) {
        let outcome = Golden.codePay().interpret(GatewayHTTPResponse(status: status, headers: [:], body: Array(body.utf8)), to: .queryPayment(PaymentReference(merchantOrderNumber: "A")))
        guard case .failed = outcome else { Issue.record("expected a failure, got \(outcome)"); return }
    }

    @Test("PayZApp's UTR and balance answers read minor units from JSON integers only; a string amount is a failure")
    func payZAppIntegerAnswers() {
        func answer(_ data: String) -> GatewayHTTPResponse { GatewayHTTPResponse(status: 200, headers: [:], body: Array(#"{"code":0,"data":\#(data),"msg":"ok"}"#.utf8)) }
        let utr = #"{"check":false,"utrInfo":{"utr":"700000000001","amount":1525,"currency":"INR"}}"#
        #expect(Golden.payZApp().interpret(answer(utr), to: .queryUTR(utr: "700000000001"))
            == .answered(.utr(UTRReport(utr: "700000000001", settled: false, amount: Money(minorUnits: 1_525, currency: .INR), merchantOrderNumber: nil))))
        let quoted = utr.replacingOccurrences(of: "1525", with: #""1525""#)
        #expect(Golden.payZApp().interpret(answer(quoted), to: .queryUTR(utr: "700000000001"))
            == .failed(GatewayFailure(.malformedResponse, "amount must be a JSON number; got \"1525\"")))
        #expect(Golden.payZApp().interpret(answer(#"{"balances":[{"currency":"INR","amount":100}]}"#), to: .balance)
            == .answered(.balance([Money(minorUnits: 100, currency: .INR)])))
        guard case .failed = Golden.payZApp().interpret(answer(#"{"balances":[{"currency":"INR","amount":"100"}]}"#), to: .balance) else {
            Issue.record("a string balance was read")
            return
        }
    }
}

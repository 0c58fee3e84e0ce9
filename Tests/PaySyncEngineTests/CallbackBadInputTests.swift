import Foundation
import PaySyncCore
import PaySyncEngine
import PaySyncGateways
import PaySyncSandbox
import PaySyncStore
import Testing

/// Bad callbacks through the `Ingestor`, one behaviour each: the documented status and reason,
/// recorded in the inbox, and the order (A-1001, pending) untouched.
@Suite("Callback bad-input matrix")
struct CallbackBadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let provider: String
        let status: Int
        let verdict: InboxVerdict
        let reason: String
        let request: @Sendable () throws -> (headers: [String: String], body: [UInt8])
        var testDescription: String { name }
    }

    static let key = EngineHarness.credentials.gatewayKey
    static let json = ["content-type": "application/json"]

    static func codePay(_ overrides: [String: String?] = [:], key: RSASigningKey = key) -> (headers: [String: String], body: [UInt8]) {
        var fields: [(String, String)] = [
            ("merchant_no", "M100"), ("merchant_order_no", "A-1001"), ("trans_no", "CP1"), ("trans_type", "sale"), ("trans_status", "2"),
            ("order_amount", "100.50"), ("price_currency", "USD"), ("sign_type", "RSA2"),
        ]
        for (name, value) in overrides {
            fields.removeAll { $0.0 == name }
            if let value { fields.append((name, value)) }
        }
        return (json, CodePayWire.signedBody(fields, key: key))
    }

    static func text(_ body: String, headers: [String: String] = json) -> (headers: [String: String], body: [UInt8]) { (headers, Array(body.utf8)) }

    static func payBy(_ body: String, signed: Bool = true) -> (headers: [String: String], body: [UInt8]) {
        var headers = json
        if signed { headers["sign"] = key.sign(Array(body.utf8)) }
        return (headers, Array(body.utf8))
    }

    static func newPay(_ data: [(String, String)]) throws -> (headers: [String: String], body: [UInt8]) {
        let signed = try NewPayWire.signedData(data, key: key, signEmptyValues: true)
        return (json, Array(#"{"success":true,"message":"ok","code":"0","timestamp":0,"data":\#(signed)}"#.utf8))
    }

    /// A PayZApp callback signed with the merchant's secret (HMAC-SHA256), declaring `method`.
    static func payZApp(_ body: String, timestamp: Timestamp, method: String = PayZAppWire.signatureMethod) throws -> (headers: [String: String], body: [UInt8]) {
        let bytes = Array(body.utf8)
        let secrets = try HMACSecrets([EngineHarness.credentials.payZAppSecret])
        let signed = PayZAppWire.signedHeaders(
            accessKey: "AK1", mno: "MNO1", nonce: "n1", timestamp: timestamp, query: [], body: bytes, secrets: secrets, includeBody: true)
        var headers = Dictionary(uniqueKeysWithValues: signed.map { ($0.name, $0.value) })
        if method != PayZAppWire.signatureMethod {
            headers["at-signature-method"] = method
            headers[PayZAppWire.signatureHeader] = secrets.sign(
                PayZAppWire.signedBytes(headers: headers, query: [], body: try RawJSONParser().parse(bytes), includeBody: true))
        }
        return (headers.merging(json) { a, _ in a }, bytes)
    }

    /// A CodePay notification whose `trans_type` is the JSON number `type`, as CodePay's SDK types it.
    static func codePayNumbered(type: Int, _ fields: [(String, String)]) -> (headers: [String: String], body: [UInt8]) {
        let pairs = fields + [("trans_type", String(type)), ("sign_type", "RSA2")]
        let sign = key.sign(SortedPairs.bytes(pairs.map { ($0.0, $0.1) }, skipEmpty: true))
        let members = pairs.map { $0.0 == "trans_type" ? ($0.0, $0.1) : ($0.0, Wire.quote($0.1)) } + [("sign", Wire.quote(sign))]
        return (json, Array(Wire.object(members).utf8))
    }

    static let now = Timestamp(millisecondsSinceEpoch: 1_795_538_439_000)
    static let payByOrder = #"{"notify_timestamp":1,"notify_id":"N1","acquireOrder":{"orderNo":"PB1","merchantOrderNo":"A-1001","status":"PAID_SUCCESS","totalAmount":{"currency":"AED","amount":"20.00"}}}"#

    static let cases: [Case] = [
        Case(name: "one byte changed after signing", provider: "codepay", status: 401, verdict: .rejected, reason: "bad_signature") {
            let (h, b) = codePay()
            return (h, Array(String(decoding: b, as: UTF8.self).replacingOccurrences(of: "100.50", with: "100.60").utf8))
        },
        Case(name: "signed with a key that is not the gateway's (rotated out)", provider: "codepay", status: 401, verdict: .rejected, reason: "bad_signature") {
            codePay(key: EngineHarness.credentials.merchantKey)
        },
        Case(name: "blank sign", provider: "codepay", status: 401, verdict: .rejected, reason: "missing_signature") {
            text(#"{"merchant_no":"M100","merchant_order_no":"A-1001","trans_status":"2","order_amount":"100.50","price_currency":"USD","sign":""}"#)
        },
        Case(name: "no sign at all", provider: "codepay", status: 401, verdict: .rejected, reason: "missing_signature") {
            text(#"{"merchant_no":"M100","merchant_order_no":"A-1001","trans_status":"2","order_amount":"100.50","price_currency":"USD"}"#)
        },
        Case(name: "truncated body", provider: "codepay", status: 400, verdict: .rejected, reason: "malformed_body") {
            let (h, b) = codePay()
            return (h, Array(b.prefix(b.count / 2)))
        },
        Case(name: "empty body", provider: "codepay", status: 400, verdict: .rejected, reason: "malformed_body") { text("") },
        Case(name: "a JSON array", provider: "codepay", status: 400, verdict: .rejected, reason: "malformed_body") { text("[1,2]") },
        Case(name: "oversized body", provider: "codepay", status: 413, verdict: .rejected, reason: "body_too_large") {
            text("{\"pad\":\"" + String(repeating: "x", count: 70_000) + "\"}")
        },
        Case(name: "wrong content type", provider: "codepay", status: 415, verdict: .rejected, reason: "unsupported_media_type") {
            let (_, b) = codePay()
            return (["content-type": "application/x-www-form-urlencoded"], b)
        },
        Case(name: "invalid UTF-8", provider: "codepay", status: 400, verdict: .rejected, reason: "invalid_utf8") {
            (json, [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D])
        },
        Case(name: "duplicated JSON keys", provider: "codepay", status: 400, verdict: .rejected, reason: "duplicate_json_key") {
            text(#"{"merchant_order_no":"A-1001","merchant_order_no":"B-1","sign":"x"}"#)
        },
        Case(name: "deeply nested JSON", provider: "codepay", status: 400, verdict: .rejected, reason: "json_too_deep") {
            text(String(repeating: #"{"a":"#, count: 40) + "1" + String(repeating: "}", count: 40))
        },
        Case(name: "amount with too many decimals", provider: "codepay", status: 422, verdict: .rejected, reason: "invalid_amount") {
            codePay(["order_amount": "100.505"])
        },
        Case(name: "negative amount", provider: "codepay", status: 422, verdict: .rejected, reason: "invalid_amount") { codePay(["order_amount": "-100.50"]) },
        Case(name: "overflowing amount", provider: "codepay", status: 422, verdict: .rejected, reason: "invalid_amount") {
            codePay(["order_amount": "99999999999999999999"])
        },
        Case(name: "amount in an exponent, finer than a cent", provider: "codepay", status: 422, verdict: .rejected, reason: "invalid_amount") {
            codePay(["order_amount": "1.00505e2"])
        },
        Case(name: "unknown currency", provider: "codepay", status: 422, verdict: .rejected, reason: "unknown_currency") { codePay(["price_currency": "XXX"]) },
        Case(name: "unknown status value", provider: "codepay", status: 422, verdict: .rejected, reason: "unknown_status") { codePay(["trans_status": "7"]) },
        Case(name: "missing order number", provider: "codepay", status: 400, verdict: .rejected, reason: "missing_field") { codePay(["merchant_order_no": nil]) },
        Case(name: "another merchant's callback", provider: "codepay", status: 403, verdict: .rejected, reason: "wrong_merchant") { codePay(["merchant_no": "M999"]) },
        Case(name: "another application's callback (app_id)", provider: "codepay", status: 403, verdict: .rejected, reason: "wrong_merchant") {
            codePay(["app_id": "app-other"])
        },
        Case(name: "a trans_type CodePay does not document", provider: "codepay", status: 422, verdict: .rejected, reason: "unknown_status") {
            codePay(["trans_type": "7"])
        },
        Case(name: "a void (trans_type 2)", provider: "codepay", status: 422, verdict: .rejected, reason: "unknown_status") { codePay(["trans_type": "2"]) },
        // Read as a sale, this refund's status 2 would mark order A-1001 paid; it is refund A-1001, which PaySync does not hold.
        Case(name: "a refund notification, trans_type the number 3", provider: "codepay", status: 200, verdict: .parked, reason: "unknown_refund") {
            codePayNumbered(type: 3, [
                ("merchant_no", "M100"), ("merchant_order_no", "A-1001"), ("trans_no", "CP1"), ("trans_status", "2"), ("order_amount", "100.50"),
                ("trans_amount", "100.50"), ("price_currency", "USD"),
            ])
        },
        Case(name: "another merchant's refund notification (merchant_no)", provider: "codepay", status: 403, verdict: .rejected, reason: "wrong_merchant") {
            codePayNumbered(type: 3, [
                ("merchant_no", "M999"), ("merchant_order_no", "R-1"), ("trans_no", "CP1"), ("trans_status", "2"), ("order_amount", "100.50"),
                ("trans_amount", "100.50"), ("price_currency", "USD"),
            ])
        },
        Case(name: "PayBy refund for another merchant (payeeMid)", provider: "payby", status: 403, verdict: .rejected, reason: "wrong_merchant") {
            payBy(#"{"notify_timestamp":1,"notify_id":"N2","refundOrder":{"orderNo":"PBR1","refundMerchantOrderNo":"R-1","originMerchantOrderNo":"A-1001","status":"SUCCESS","payeeMid":"200000999","amount":{"currency":"AED","amount":"20.00"}}}"#)
        },
        Case(name: "PayZApp payout naming another mno", provider: "payzapp", status: 403, verdict: .rejected, reason: "wrong_merchant") {
            try payZApp(#"{"type":"payout","outTradeNo":"PO-1","tradeNo":"T9","tradeAmount":50000,"currency":"INR","tradeStatus":"SUCCESS","mno":"MNO9"}"#, timestamp: now)
        },
        Case(name: "amount differs from the order's", provider: "codepay", status: 200, verdict: .review, reason: "amount_mismatch") {
            codePay(["order_amount": "100.51"])
        },
        Case(name: "CodePay underpaid: paid_amount below the order's", provider: "codepay", status: 200, verdict: .review, reason: "amount_mismatch") {
            codePay(["paid_amount": "90.00", "trans_amount": "100.50"])
        },
        Case(name: "CodePay underpaid: trans_amount below the order's", provider: "codepay", status: 200, verdict: .review, reason: "amount_mismatch") {
            codePay(["trans_amount": "100.00"])
        },
        Case(name: "PayBy underpaid: paymentInfo.paidAmount below the order's", provider: "payby", status: 200, verdict: .review, reason: "amount_mismatch") {
            payBy(payByOrder.replacingOccurrences(of: #""status""#, with: #""paymentInfo":{"paidAmount":{"currency":"AED","amount":10.00}},"status""#))
        },
        Case(name: "currency differs from the order's", provider: "codepay", status: 200, verdict: .review, reason: "currency_mismatch") {
            codePay(["price_currency": "CNY"])
        },
        Case(name: "unknown order", provider: "codepay", status: 200, verdict: .parked, reason: "unknown_order") { codePay(["merchant_order_no": "Z-404"]) },
        Case(name: "PayBy without a sign header", provider: "payby", status: 401, verdict: .rejected, reason: "missing_signature") {
            payBy(payByOrder, signed: false)
        },
        Case(name: "PayBy signed but not JSON", provider: "payby", status: 400, verdict: .rejected, reason: "malformed_body") { payBy("status=PAID") },
        Case(name: "PayBy for another merchant (payeeMid)", provider: "payby", status: 403, verdict: .rejected, reason: "wrong_merchant") {
            payBy(payByOrder.replacingOccurrences(of: #""status""#, with: #""payeeMid":"200000999","status""#))
        },
        Case(name: "PayBy with an unknown status", provider: "payby", status: 422, verdict: .rejected, reason: "unknown_status") {
            payBy(payByOrder.replacingOccurrences(of: "PAID_SUCCESS", with: "REFUNDING"))
        },
        Case(name: "NewPay without data", provider: "newpay", status: 400, verdict: .rejected, reason: "missing_field") {
            text(#"{"success":true,"message":"ok","code":"0","timestamp":0}"#)
        },
        Case(name: "NewPay LAK amount with decimals", provider: "newpay", status: 422, verdict: .rejected, reason: "invalid_amount") {
            try newPay([("appId", #""app1""#), ("payStatus", #""SUCCESS""#), ("orderAmt", #"{"value":"25000.50","currency":"LAK"}"#), ("mchOrderNo", #""A-1001""#)])
        },
        Case(name: "PayZApp with a stale timestamp", provider: "payzapp", status: 401, verdict: .rejected, reason: "stale_timestamp") {
            try payZApp(#"{"type":"payin","outTradeNo":"A-1001","tradeNo":"T1","tradeAmount":1525,"currency":"INR","tradeStatus":"SUCCESS"}"#, timestamp: now.adding(milliseconds: -3_600_000))
        },
        Case(name: "PayZApp amount as a decimal", provider: "payzapp", status: 422, verdict: .rejected, reason: "invalid_amount") {
            try payZApp(#"{"type":"payin","outTradeNo":"A-1001","tradeNo":"T1","tradeAmount":15.25,"currency":"INR","tradeStatus":"SUCCESS"}"#, timestamp: now)
        },
        Case(name: "PayZApp declaring HmacSHA1, signed with HMAC-SHA256", provider: "payzapp", status: 401, verdict: .rejected, reason: "bad_signature") {
            try payZApp(#"{"type":"payin","outTradeNo":"A-1001","tradeNo":"T1","tradeAmount":1525,"currency":"INR","tradeStatus":"SUCCESS"}"#, timestamp: now, method: "HmacSHA1")
        },
        Case(name: "PayZApp amount as a string", provider: "payzapp", status: 422, verdict: .rejected, reason: "invalid_amount") {
            try payZApp(#"{"type":"payin","outTradeNo":"A-1001","tradeNo":"T1","tradeAmount":"1525","currency":"INR","tradeStatus":"SUCCESS"}"#, timestamp: now)
        },
        Case(name: "a gateway with no credentials", provider: "paypal", status: 404, verdict: .rejected, reason: "unknown_gateway") { codePay() },
    ]

    static let amounts: [String: Money] = [
        "codepay": Money(minorUnits: 10_050, currency: .USD), "payby": Money(minorUnits: 2_000, currency: .AED),
        "newpay": Money(minorUnits: 2_500_000, currency: .LAK), "payzapp": Money(minorUnits: 1_525, currency: .INR),
    ]

    @Test("each bad callback gets its status and reason, is kept in the inbox, and changes no order", arguments: cases)
    func refused(_ example: Case) async throws {
        let engine = try EngineHarness()
        let provider = example.provider == "paypal" ? "codepay" : example.provider
        let before = try await engine.order("A-1001", provider: provider, amount: Self.amounts[provider]!)
        let (headers, body) = try example.request()
        // As the HTTP layer hands it over: at most one byte more than the limit.
        let reply = await engine.ingestor().ingest(
            provider: example.provider, account: "default", headers: headers, body: Array(body.prefix(65_537)), bodyTruncated: body.count > 65_536,
            remoteAddress: "127.0.0.1:4000")
        #expect(reply.status == example.status)
        #expect(reply.verdict == example.verdict)
        #expect(reply.reason == example.reason)
        if example.status >= 400 {
            let error = try JSONDecoder().decode([String: [String: String]].self, from: Data(reply.body))["error"] ?? [:]
            #expect(error["code"] == example.reason)
            #expect(error["message"]?.isEmpty == false)
        }
        let after = try #require(try await engine.stored("A-1001"))
        #expect(after.status == before.status)
        #expect(after.version == before.version)
        let entry = try #require(try await engine.store.inboxEntry(id: 1))
        #expect(entry.verdict == example.verdict)
        #expect(entry.reason == example.reason)
        #expect(entry.body == Array(body.prefix(65_537)))
        #expect(reply.inboxID == 1)
    }

    @Test("a CodePay amount written as a Java Double (1.005E2 for 100.50) is read by its value and the order is paid")
    func javaDoubleApplied() async throws {
        let engine = try EngineHarness()
        _ = try await engine.order("A-1001", provider: "codepay", amount: Self.amounts["codepay"]!)
        let (headers, body) = Self.codePay(["order_amount": "1.005E2"])
        let reply = await engine.ingestor().ingest(
            provider: "codepay", account: "default", headers: headers, body: body, bodyTruncated: false, remoteAddress: "127.0.0.1:4000")
        #expect(reply.status == 200)
        #expect(reply.verdict == .applied)
        #expect(try await engine.stored("A-1001")?.status == .paid)
    }

    @Test("a PayBy payment whose paymentInfo.paidAmount is null states no paid amount: it is applied")
    func payByNullPaidAmount() async throws {
        let engine = try EngineHarness()
        _ = try await engine.order("A-1001", provider: "payby", amount: Self.amounts["payby"]!)
        let (headers, body) = Self.payBy(Self.payByOrder.replacingOccurrences(of: #""status""#, with: #""paymentInfo":{"paidAmount":null},"status""#))
        let reply = await engine.ingestor().ingest(
            provider: "payby", account: "default", headers: headers, body: body, bodyTruncated: false, remoteAddress: "127.0.0.1:4000")
        #expect(reply.verdict == .applied)
        #expect(try await engine.stored("A-1001")?.status == .paid)
    }

    @Test("the matrix has at least 25 cases, each with its own name")
    func matrixSize() {
        #expect(Self.cases.count >= 25)
        #expect(Set(Self.cases.map(\.name)).count == Self.cases.count)
    }
}

import PaySyncCore
import PaySyncGateways

/// PayBy as the sandbox plays it: `/sgs/api/acquire2/<api>`, raw-body signatures in `sign` headers.
struct PayBySandbox: SandboxGateway {
    let name = "payby"
    let schedule = RedeliverySchedule.payBy
    let gatewayKey: RSASigningKey
    let forgeryKey: RSASigningKey
    let merchantKeys: RSAVerificationKeys
    let currencies: CurrencyRegistry
    let merchant: SandboxMerchant
    let codec = AmountCodec.decimalMajor(wholeUnitCurrencies: [])

    func handle(_ request: SandboxRequest, _ context: SandboxContext) async -> SandboxResponse {
        guard merchantKeys.verify(base64Signature: request.headers["sign"] ?? "", over: request.body) else {
            return answer(applyStatus: "ERROR", code: "SIGN_ERROR", message: "sign check failed")
        }
        guard request.headers["partner-id"] == merchant.payByPartnerID else {
            return answer(applyStatus: "FAIL", code: "PARTNER_INVALID", message: "unknown Partner-Id")
        }
        guard request.method == "POST", request.path.hasPrefix(PayByWire.basePath), let body = parseJSON(request.body), let biz = body["bizContent"] else {
            return answer(applyStatus: "FAIL", code: "PARAM_ERROR", message: "malformed request")
        }
        let text = { (key: String) in biz[key]?.scalarText ?? "" }
        switch String(request.path.dropFirst(PayByWire.basePath.count)) {
        case "placeOrder":
            guard let amount = money(biz, "totalAmount") else { return answer(applyStatus: "FAIL", code: "PARAM_ERROR", message: "invalid totalAmount") }
            do {
                let payment = try await context.ledger.create(provider: name, number: text("merchantOrderNo"), amount: amount, notifyURL: text("notifyUrl"), now: context.now)
                return answer(body: [("acquireOrder", order(payment, amount: nil)), ("interActionParams", Wire.object([("tokenUrl", Wire.quote("https://sandbox.invalid/payby/pay/\(payment.gatewayNumber)"))]))])
            } catch { return refusal(error) }
        case "getOrder":
            if let fault = await queryFault(text("merchantOrderNo"), context) { return fault }
            guard let payment = await context.ledger.payment(provider: name, number: text("merchantOrderNo")) else { return refusal(LedgerRefusal.notFound) }
            return answer(body: [("acquireOrder", order(payment, amount: nil))])
        case "cancelOrder", "revokeOrder":
            do {
                let payment = try await context.ledger.cancel(provider: name, number: text("merchantOrderNo"))
                return answer(body: [("acquireOrder", order(payment, amount: nil))])
            } catch { return refusal(error) }
        case "refund/placeOrder":
            guard let amount = money(biz, "amount") else { return answer(applyStatus: "FAIL", code: "PARAM_ERROR", message: "invalid amount") }
            do {
                let refund = try await context.ledger.refund(provider: name, refundNumber: text("refundMerchantOrderNo"), orderNumber: text("originMerchantOrderNo"), amount: amount, notifyURL: text("notifyUrl"))
                return answer(body: [("refundOrder", refundOrder(refund))])
            } catch { return refusal(error) }
        case "refund/getOrder":
            if let fault = await queryFault(text("refundMerchantOrderNo"), context) { return fault }
            guard let refund = await context.ledger.refund(provider: name, refundNumber: text("refundMerchantOrderNo")) else { return refusal(LedgerRefusal.notFound) }
            return answer(body: [("refundOrder", refundOrder(refund))])
        default:
            return answer(applyStatus: "FAIL", code: "API_NOT_FOUND", message: "unknown API")
        }
    }

    func money(_ object: RawJSON, _ key: String) -> Money? {
        try? Wire.money(object, key, amountKey: "amount", codec: codec, currencies: currencies)
    }

    func order(_ p: SandboxPayment, amount: Money?) -> String {
        let status: String =
            switch p.status {
            case .pending: "CREATED"
            case .paid: "PAID_SUCCESS"
            case .failed, .expired, .canceled: "FAILURE"
            }
        let money = amount ?? p.amount
        return Wire.object([
            ("orderNo", Wire.quote(p.gatewayNumber)), ("merchantOrderNo", Wire.quote(p.merchantOrderNumber)), ("status", Wire.quote(status)),
            // PayBy writes amounts as JSON numbers.
            ("totalAmount", Wire.object([("currency", Wire.quote(money.currency.code)), ("amount", money.decimalString)])),
            ("payeeMid", Wire.quote(merchant.payByPartnerID)),
        ])
    }

    func refundOrder(_ r: SandboxRefund) -> String {
        let status: String =
            switch r.status {
            case .processing: "CREATED"
            case .succeeded: "SUCCESS"
            case .failed: "FAILURE"
            }
        return Wire.object([
            ("refundMerchantOrderNo", Wire.quote(r.refundNumber)), ("orderNo", Wire.quote(r.gatewayNumber)),
            ("originMerchantOrderNo", Wire.quote(r.merchantOrderNumber)), ("status", Wire.quote(status)),
            ("amount", Wire.object([("currency", Wire.quote(r.amount.currency.code)), ("amount", r.amount.decimalString)])),
        ])
    }

    func answer(applyStatus: String = "SUCCESS", code: String = "0", message: String = "success", body: [(String, String)] = []) -> SandboxResponse {
        let head = Wire.object([("applyStatus", Wire.quote(applyStatus)), ("code", Wire.quote(code)), ("msg", Wire.quote(message)), ("traceCode", Wire.quote("sandbox"))])
        let bytes = Array(Wire.object([("head", head)] + (body.isEmpty ? [] : [("body", Wire.object(body))])).utf8)
        return SandboxResponse(headers: [("sign", gatewayKey.sign(bytes))], body: bytes)
    }

    func refusal(_ error: any Error) -> SandboxResponse {
        switch error as? LedgerRefusal {
        case .alreadyPaid?: answer(applyStatus: "FAIL", code: PayByWire.orderPaidCode, message: "order is paid")
        case .notFound?: answer(applyStatus: "FAIL", code: PayByWire.orderNotFoundCode, message: "order does not exist")
        case .refundExceedsPaid?: answer(applyStatus: "FAIL", code: "REFUND_AMOUNT_EXCEED", message: "refund exceeds paid amount")
        default: answer(applyStatus: "FAIL", code: "BIZ_ERROR", message: "\(error)")
        }
    }

    func callback(for event: SandboxEvent, amount: Money?, identity: SigningIdentity, now: Timestamp) -> SignedMessage? {
        let member: (String, String)
        switch event {
        case .payment(let p): member = ("acquireOrder", order(p, amount: amount))
        case .refund(let r): member = ("refundOrder", refundOrder(r))
        case .payout: return nil
        }
        let notifyID = "N-" + Wire.quote(event.identity).utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }.description
        let body = Array(Wire.object([("notify_timestamp", String(now.millisecondsSinceEpoch)), ("notify_id", Wire.quote(notifyID)), member]).utf8)
        return SignedMessage(headers: ["content-type": "application/json", "sign": (identity == .genuine ? gatewayKey : forgeryKey).sign(body)], body: body)
    }

    func isAcknowledgement(status: Int, body: [UInt8]) -> Bool {
        status == 200 && String(decoding: body, as: UTF8.self) == PayByWire.ack
    }
}

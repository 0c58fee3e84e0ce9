import PaySyncCore
import PaySyncGateways

/// CodePay as the sandbox plays it: `POST /api/entry`, flat signed JSON, `data` as a JSON string.
struct CodePaySandbox: SandboxGateway {
    let name = "codepay"
    let schedule = RedeliverySchedule.codePay
    let gatewayKey: RSASigningKey
    let forgeryKey: RSASigningKey
    let merchantKeys: RSAVerificationKeys
    let currencies: CurrencyRegistry
    let merchant: SandboxMerchant
    let codec = AmountCodec.decimalMajor(wholeUnitCurrencies: [])

    func handle(_ request: SandboxRequest, _ context: SandboxContext) async -> SandboxResponse {
        guard request.method == "POST", request.path == CodePayWire.path, let body = parseJSON(request.body) else {
            return answer("40000", "malformed request")
        }
        guard CodePayWire.verify(body, keys: merchantKeys) else { return answer("SIGN_ERROR", "sign check failed") }
        guard body["app_id"]?.scalarText == merchant.codePayAppID, body["merchant_no"]?.scalarText == merchant.codePayMerchantNumber else {
            return answer("40001", "unknown app_id or merchant_no")
        }
        let field = { (key: String) in body[key]?.scalarText ?? "" }
        switch field("method") {
        case "pay.checkout":
            guard let currency = currencies.currency(code: field("price_currency")), let amount = try? codec.decode(field("order_amount"), currency: currency) else {
                return answer("40002", "invalid order_amount or price_currency")
            }
            do {
                let payment = try await context.ledger.create(provider: name, number: field("merchant_order_no"), amount: amount, notifyURL: field("notify_url"), now: context.now)
                return answer(data: [("trans_no", payment.gatewayNumber), ("merchant_order_no", payment.merchantOrderNumber), ("pay_url", "https://sandbox.invalid/codepay/pay/\(payment.gatewayNumber)")])
            } catch { return refusal(error) }
        case "order.query":
            if let fault = await queryFault(field("merchant_order_no"), context) { return fault }
            guard let payment = await context.ledger.payment(provider: name, number: field("merchant_order_no")) else {
                return answer(CodePayWire.orderNotFoundCode, "order does not exist")
            }
            return answer(data: paymentFields(payment, amount: nil))
        case "order.revoker":
            do {
                let payment = try await context.ledger.cancel(provider: name, number: field("merchant_order_no"))
                return answer(data: [("merchant_order_no", payment.merchantOrderNumber), ("trans_no", payment.gatewayNumber), ("trans_status", "3")])
            } catch { return refusal(error) }
        case "order.refund.submit":
            guard let currency = currencies.currency(code: field("price_currency")), let amount = try? codec.decode(field("trans_amount"), currency: currency) else {
                return answer("40002", "invalid trans_amount")
            }
            do {
                let refund = try await context.ledger.refund(provider: name, refundNumber: field("merchant_order_no"), orderNumber: field("orig_merchant_order_no"), amount: amount, notifyURL: field("notify_url"))
                return answer(data: refundFields(refund))
            } catch { return refusal(error) }
        case "order.refund.query":
            if let fault = await queryFault(field("merchant_order_no"), context) { return fault }
            guard let refund = await context.ledger.refund(provider: name, refundNumber: field("merchant_order_no")) else {
                return answer(CodePayWire.orderNotFoundCode, "refund does not exist")
            }
            return answer(data: refundFields(refund))
        default:
            return answer("40003", "unknown method")
        }
    }

    func paymentFields(_ p: SandboxPayment, amount: Money?) -> [(String, String)] {
        let status: String =
            switch p.status {
            case .pending: "9"
            case .paid: "2"
            case .failed, .expired: "1"
            case .canceled: "3"
            }
        return [
            ("merchant_no", merchant.codePayMerchantNumber), ("merchant_order_no", p.merchantOrderNumber), ("trans_no", p.gatewayNumber), ("trans_type", "1"),
            ("trans_status", status), ("order_amount", (amount ?? p.amount).decimalString), ("price_currency", p.amount.currency.code),
        ]
    }

    func refundFields(_ r: SandboxRefund) -> [(String, String)] {
        let status: String =
            switch r.status {
            case .processing: "0"
            case .succeeded: "2"
            case .failed: "1"
            }
        return [
            ("merchant_order_no", r.refundNumber), ("orig_merchant_order_no", r.merchantOrderNumber), ("trans_no", r.gatewayNumber),
            ("trans_type", "3"), ("trans_status", status), ("trans_amount", r.amount.decimalString), ("price_currency", r.amount.currency.code),
        ]
    }

    func answer(_ code: String = "0", _ message: String = "success", data: [(String, String)] = []) -> SandboxResponse {
        let dataText = data.isEmpty ? "" : Wire.object(data.map { ($0.0, Wire.quote($0.1)) })
        return SandboxResponse(body: CodePayWire.signedBody([("code", code), ("msg", message), ("psn", "sandbox"), ("data", dataText)], key: gatewayKey))
    }

    func refusal(_ error: any Error) -> SandboxResponse {
        switch error as? LedgerRefusal {
        case .alreadyPaid?: answer(CodePayWire.orderPaidCode, "order is paid")
        case .notFound?: answer(CodePayWire.orderNotFoundCode, "order does not exist")
        case .refundExceedsPaid?: answer("REFUND_AMOUNT_EXCEED", "refund exceeds paid amount")
        default: answer("40010", "\(error)")
        }
    }

    func callback(for event: SandboxEvent, amount: Money?, identity: SigningIdentity, now: Timestamp) -> SignedMessage? {
        let fields: [(String, String)]
        switch event {
        case .payment(let p): fields = paymentFields(p, amount: amount) + [("sign_type", "RSA2")]
        case .refund(let r): fields = refundFields(r) + [("sign_type", "RSA2")]
        case .payout: return nil
        }
        return SignedMessage(headers: ["content-type": "application/json"], body: CodePayWire.signedBody(fields, key: identity == .genuine ? gatewayKey : forgeryKey))
    }

    func isAcknowledgement(status: Int, body: [UInt8]) -> Bool {
        status == 200 && String(decoding: body, as: UTF8.self) == CodePayWire.ack
    }
}

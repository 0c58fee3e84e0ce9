import PaySyncCore
import PaySyncGateways

/// NewPay as the sandbox plays it: `/beta/pay/<api>`, body `sign`, answers signed in `data.sign`.
struct NewPaySandbox: SandboxGateway {
    let name = "newpay"
    let schedule = RedeliverySchedule.newPay
    let gatewayKey: RSASigningKey
    let forgeryKey: RSASigningKey
    let merchantKeys: RSAVerificationKeys
    let currencies: CurrencyRegistry
    let merchant: SandboxMerchant
    let codec = AmountCodec.decimalMajor(wholeUnitCurrencies: ["LAK"])

    func handle(_ request: SandboxRequest, _ context: SandboxContext) async -> SandboxResponse {
        guard request.method == "POST", request.path.hasPrefix(NewPayWire.basePath), let body = parseJSON(request.body) else {
            return answer(code: "Z00001", message: "malformed request")
        }
        guard NewPayWire.verify(body, keys: merchantKeys, signEmptyValues: true) else { return answer(code: "Z00007", message: "sign check failed") }
        let text = { (key: String) in body[key]?.scalarText ?? "" }
        guard text("appId") == merchant.newPayAppID, text("mchId") == merchant.newPayMerchantID else { return answer(code: "Z00002", message: "unknown appId or mchId") }
        switch String(request.path.dropFirst(NewPayWire.basePath.count)) {
        case "unifiedOrder":
            guard let currency = currencies.currency(code: text("currency")), let amount = try? codec.decode(text("orderAmt"), currency: currency) else {
                return answer(code: "Z00020", message: "invalid orderAmt")
            }
            do {
                let payment = try await context.ledger.create(provider: name, number: text("mchOrderNo"), amount: amount, notifyURL: text("callBackUrl"), now: context.now)
                return answer(data: [("newpayOrderNo", Wire.quote(payment.gatewayNumber)), ("mchOrderNo", Wire.quote(payment.merchantOrderNumber)), ("codeUrl", Wire.quote("newpay://pay/\(payment.gatewayNumber)"))])
            } catch { return refusal(error) }
        case "uniQueryPay":
            if let fault = await queryFault(text("mchOrderNo"), context) { return fault }
            guard let payment = await context.ledger.payment(provider: name, number: text("mchOrderNo")) else { return refusal(LedgerRefusal.notFound) }
            return answer(data: paymentData(payment, amount: nil))
        case "uniRefund":
            guard let payment = await context.ledger.payment(provider: name, number: text("mchOrderNo")),
                let amount = try? codec.decode(text("refundAmt"), currency: payment.amount.currency)
            else { return refusal(LedgerRefusal.notFound) }
            do {
                let refund = try await context.ledger.refund(provider: name, refundNumber: text("mchRefundNo"), orderNumber: payment.merchantOrderNumber, amount: amount, notifyURL: text("callback"))
                return answer(data: refundData(refund))
            } catch { return refusal(error) }
        case "uniQueryRefund":
            if let fault = await queryFault(text("mchRefundNo"), context) { return fault }
            guard let refund = await context.ledger.refund(provider: name, refundNumber: text("mchRefundNo")) else { return refusal(LedgerRefusal.notFound) }
            return answer(data: refundData(refund))
        default:
            return answer(code: "Z00003", message: "unknown API")
        }
    }

    func amount(_ money: Money) -> String {
        NewPayWire.amount((try? codec.encode(money)) ?? money.decimalString, money.currency.code)
    }

    func paymentData(_ p: SandboxPayment, amount: Money?) -> [(String, String)] {
        let status: String =
            switch p.status {
            case .pending: "PROCESSING"
            case .paid: "SUCCESS"
            case .failed, .canceled: "FAIL"
            case .expired: "EXPIRED"
            }
        return [
            ("appId", Wire.quote(merchant.newPayAppID)), ("payStatus", Wire.quote(status)), ("payMethod", "1"), ("orderType", Wire.quote("ONLINE")),
            ("orderAmt", self.amount(amount ?? p.amount)), ("mchOrderNo", Wire.quote(p.merchantOrderNumber)), ("newpayOrderNo", Wire.quote(p.gatewayNumber)),
            ("subject", Wire.quote("sandbox")), ("settlementStatus", "0"), ("paytime", String(p.createdAt.millisecondsSinceEpoch)), ("attach", Wire.quote("")),
        ]
    }

    func refundData(_ r: SandboxRefund) -> [(String, String)] {
        let status: String =
            switch r.status {
            case .processing: "PROCESSING"
            case .succeeded: "SUCCESS"
            case .failed: "FAIL"
            }
        return [
            ("newpayRefundNo", Wire.quote(r.gatewayNumber)), ("mchRefundNo", Wire.quote(r.refundNumber)), ("newpayOrderNo", Wire.quote(r.orderGatewayNumber)),
            ("mchOrderNo", Wire.quote(r.merchantOrderNumber)), ("refundAmt", amount(r.amount)), ("orderAmt", amount(r.orderAmount)),
            ("refundStatus", Wire.quote(status)),
        ]
    }

    func answer(code: String = "0", message: String = "success", data: [(String, String)] = [], key: RSASigningKey? = nil) -> SandboxResponse {
        var members: [(String, String)] = [("success", code == "0" ? "true" : "false"), ("message", Wire.quote(message)), ("code", Wire.quote(code)), ("timestamp", "0")]
        if !data.isEmpty, let signed = try? NewPayWire.signedData(data, key: key ?? gatewayKey, signEmptyValues: true) { members.append(("data", signed)) }
        return SandboxResponse(body: Array(Wire.object(members).utf8))
    }

    func refusal(_ error: any Error) -> SandboxResponse {
        switch error as? LedgerRefusal {
        case .notFound?: answer(code: NewPayWire.orderNotFoundCode, message: "order not found")
        case .alreadyPaid?: answer(code: "Z01008", message: "order completed")
        case .refundExceedsPaid?: answer(code: NewPayWire.refundExceedsCode, message: "refund amount exceeds paid amount")
        case .duplicateRefund?: answer(code: "Z01026", message: "refund number exists")
        default: answer(code: "Z09999", message: "\(error)")
        }
    }

    func callback(for event: SandboxEvent, amount: Money?, identity: SigningIdentity, now: Timestamp) -> SignedMessage? {
        let data: [(String, String)]
        switch event {
        case .payment(let p): data = paymentData(p, amount: amount)
        case .refund(let r): data = refundData(r)
        case .payout: return nil
        }
        let response = answer(data: data, key: identity == .genuine ? gatewayKey : forgeryKey)
        return SignedMessage(headers: ["content-type": "application/json"], body: response.body)
    }

    func isAcknowledgement(status: Int, body: [UInt8]) -> Bool {
        status == 200 && String(decoding: body, as: UTF8.self) == NewPayWire.ack
    }
}

import PaySyncCore
import PaySyncGateways

/// PayZApp-Gateway as the sandbox plays it: `at-*` HMAC headers, integer minor units, `OK` acks.
struct PayZAppSandbox: SandboxGateway {
    let name = "payzapp"
    let schedule = RedeliverySchedule.payZApp
    let secrets: HMACSecrets
    let forgedSecrets: HMACSecrets
    let currencies: CurrencyRegistry
    let merchant: SandboxMerchant
    let codec = AmountCodec.integerMinor

    func handle(_ request: SandboxRequest, _ context: SandboxContext) async -> SandboxResponse {
        let body = request.body.isEmpty ? nil : parseJSON(request.body)
        let signed = PayZAppWire.signedBytes(headers: request.headers, query: request.query, body: body, includeBody: true)
        guard secrets.verify(base64Code: request.headers[PayZAppWire.signatureHeader] ?? "", over: signed) else {
            return answer(code: "401", message: "signature verification failed")
        }
        guard request.headers["at-access-key"] == merchant.payZAppAccessKey, request.headers["at-mno"] == merchant.payZAppMerchantNumber else {
            return answer(code: "403", message: "unknown access key or mno")
        }
        let field = { (key: String) in body?[key]?.scalarText ?? "" }
        let query = { (key: String) in request.query.first { $0.0 == key }?.1 ?? "" }
        switch (request.method, request.path) {
        case ("POST", "/trade/payin/unifiedorder"):
            guard let currency = currencies.currency(code: field("currency")), let amount = try? codec.decode(field("tradeAmount"), currency: currency) else {
                return answer(code: "1001", message: "tradeAmount must be an integer of minor units")
            }
            do {
                let payment = try await context.ledger.create(provider: name, number: field("outTradeNo"), amount: amount, notifyURL: field("notifyUrl"), now: context.now)
                return answer(data: [("channelCode", Wire.quote(field("channelCode"))), ("tradeNo", Wire.quote(payment.gatewayNumber)), ("outTradeNo", Wire.quote(payment.merchantOrderNumber)), ("payUrl", Wire.quote("https://sandbox.invalid/payzapp/pay/\(payment.gatewayNumber)"))])
            } catch { return refusal(error) }
        case ("GET", "/trade/payin/query"):
            if let fault = await queryFault(query("outTradeNo"), context) { return fault }
            guard let payment = await context.ledger.payment(provider: name, number: query("outTradeNo")) else { return refusal(LedgerRefusal.notFound) }
            return answer(data: payin(payment, amount: nil))
        case ("POST", "/trade/payout/unifiedorder"):
            guard let currency = currencies.currency(code: field("currency")), let amount = try? codec.decode(field("tradeAmount"), currency: currency) else {
                return answer(code: "1001", message: "tradeAmount must be an integer of minor units")
            }
            do {
                let payout = try await context.ledger.payout(number: field("outTradeNo"), amount: amount, notifyURL: field("notifyUrl"))
                return answer(data: payoutData(payout))
            } catch { return refusal(error) }
        case ("GET", "/trade/payout/query"):
            if let fault = await queryFault(query("outTradeNo"), context) { return fault }
            guard let payout = await context.ledger.payout(number: query("outTradeNo")) else { return refusal(LedgerRefusal.notFound) }
            return answer(data: payoutData(payout))
        case ("GET", "/upi/utr/query"):
            if let credit = await context.ledger.upiCredit(utr: query("no")) {
                let info = Wire.object([("utr", Wire.quote(credit.utr)), ("amount", String(credit.amount.minorUnits)), ("currency", Wire.quote(credit.amount.currency.code))])
                var data = [("check", credit.linkedTo == nil ? "false" : "true"), ("utrInfo", info)]
                if let number = credit.linkedTo { data.append(("tradeInfo", Wire.object([("outTradeNo", Wire.quote(number))]))) }
                return answer(data: data)
            }
            guard let payment = await payment(utr: query("no"), context) else { return refusal(LedgerRefusal.notFound) }
            let info = Wire.object([("utr", Wire.quote(query("no"))), ("amount", String(payment.amount.minorUnits)), ("currency", Wire.quote(payment.amount.currency.code))])
            return answer(data: [("check", payment.status == .paid ? "true" : "false"), ("utrInfo", info), ("tradeInfo", Wire.object([("outTradeNo", Wire.quote(payment.merchantOrderNumber))]))])
        case ("POST", "/upi/utr/repair"):
            if await context.ledger.upiCredit(utr: field("utr")) != nil {
                do throws(LedgerRefusal) {
                    await context.notify(.payment(try await context.ledger.link(utr: field("utr"), provider: name, number: field("outTradeNo"))))
                    return answer(data: [("result", "true"), ("message", Wire.quote("repaired"))])
                } catch {
                    let reason =
                        switch error {
                        case .amountMismatch: "UTR amount does not match the invoice"
                        case .notPayable: "UTR already linked, or the invoice is not pending"
                        default: "no such invoice"
                        }
                    return answer(data: [("result", "false"), ("message", Wire.quote(reason))])
                }
            }
            guard let payment = await context.ledger.payment(provider: name, number: field("outTradeNo")), Self.utr(payment) == field("utr") else {
                return answer(data: [("result", "false"), ("message", Wire.quote("UTR does not match the invoice"))])
            }
            if payment.status == .pending, let paid = try? await context.ledger.settle(provider: name, number: payment.merchantOrderNumber, to: .paid) {
                await context.notify(.payment(paid))
            }
            return answer(data: [("result", "true"), ("message", Wire.quote("repaired"))])
        case ("GET", "/account/balance"):
            let items = await context.ledger.balance().sorted { $0.key < $1.key }.map {
                Wire.object([("currency", Wire.quote($0.key)), ("amount", String($0.value))])
            }
            return answer(data: [("balances", "[" + items.joined(separator: ",") + "]")])
        default:
            return answer(code: "404", message: "unknown API")
        }
    }

    /// The sandbox's UTR for a pay-in: 12 digits from its gateway number.
    static func utr(_ payment: SandboxPayment) -> String {
        let digits = payment.gatewayNumber.filter(\.isNumber)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    func payment(utr: String, _ context: SandboxContext) async -> SandboxPayment? {
        await context.ledger.allPayments().first { $0.provider == name && Self.utr($0) == utr }
    }

    func payin(_ p: SandboxPayment, amount: Money?) -> [(String, String)] {
        let status: String =
            switch p.status {
            case .pending: "PENDING"
            case .paid: "SUCCESS"
            case .failed, .canceled: "FAILED"
            case .expired: "EXPIRED"
            }
        let money = amount ?? p.amount
        return [
            ("type", Wire.quote("payin")), ("outTradeNo", Wire.quote(p.merchantOrderNumber)), ("tradeNo", Wire.quote(p.gatewayNumber)),
            ("tradeAmount", String(money.minorUnits)), ("currency", Wire.quote(money.currency.code)), ("tradeStatus", Wire.quote(status)),
            ("channelCode", Wire.quote("UPI")), ("attach", Wire.quote("")), ("utr", Wire.quote(Self.utr(p))),
        ]
    }

    func payoutData(_ p: SandboxPayout) -> [(String, String)] {
        let status: String =
            switch p.status {
            case .processing: "PROCESSING"
            case .succeeded: "SUCCESS"
            case .failed: "FAILED"
            }
        return [
            ("type", Wire.quote("payout")), ("outTradeNo", Wire.quote(p.payoutNumber)), ("tradeNo", Wire.quote(p.gatewayNumber)),
            ("tradeAmount", String(p.amount.minorUnits)), ("currency", Wire.quote(p.amount.currency.code)), ("tradeStatus", Wire.quote(status)),
        ]
    }

    func answer(code: String = "0", message: String = "success", data: [(String, String)] = []) -> SandboxResponse {
        var members: [(String, String)] = [("code", code == "0" ? "0" : Wire.quote(code)), ("msg", Wire.quote(message))]
        if !data.isEmpty { members.insert(("data", Wire.object(data)), at: 1) }
        return SandboxResponse(body: Array(Wire.object(members).utf8))
    }

    func refusal(_ error: any Error) -> SandboxResponse {
        switch error as? LedgerRefusal {
        case .notFound?: answer(code: "2001", message: "order not found")
        case .insufficientBalance?: answer(code: "3001", message: "insufficient balance")
        case .alreadyPaid?: answer(code: "2002", message: "order already paid")
        default: answer(code: "9999", message: "\(error)")
        }
    }

    func callback(for event: SandboxEvent, amount: Money?, identity: SigningIdentity, now: Timestamp) -> SignedMessage? {
        let data: [(String, String)]
        switch event {
        case .payment(let p): data = payin(p, amount: amount)
        case .payout(let p): data = payoutData(p)
        case .refund: return nil
        }
        let body = Array(Wire.object(data).utf8)
        let nonce = String(event.identity.utf8.reduce(UInt64(1_469_598_103_934_665_603)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }, radix: 16)
        var headers = Dictionary(
            uniqueKeysWithValues: PayZAppWire.signedHeaders(
                accessKey: merchant.payZAppAccessKey, mno: merchant.payZAppMerchantNumber, nonce: nonce, timestamp: now, query: [], body: body,
                secrets: identity == .genuine ? secrets : forgedSecrets, includeBody: true
            ).map { ($0.name, $0.value) })
        headers["content-type"] = "application/json"
        return SignedMessage(headers: headers, body: body)
    }

    func isAcknowledgement(status: Int, body: [UInt8]) -> Bool {
        // [src] "OK", case ignored; spaces are not allowed.
        status == 200 && String(decoding: body, as: UTF8.self).uppercased() == PayZAppWire.ack
    }
}

import PaySyncCore

public struct PayZAppConfiguration: Sendable {
    /// The merchant number `mno`.
    public var merchantNumber: String
    public var accessKey: String
    /// Access-Secret(s): the first signs, any verifies (rotation).
    public var secrets: HMACSecrets
    public var baseURL: String
    /// [assumption] Whether the body and query take part in the signature (default `true`).
    public var signBody: Bool
    /// Callbacks whose `at-timestamp` is further than this from now are refused (default 300 s).
    public var timestampWindowSeconds: Int64
    /// `channelCode` when a payment names none.
    public var defaultChannel: String
    public var currencies: CurrencyRegistry

    public init(
        merchantNumber: String, accessKey: String, secrets: HMACSecrets, baseURL: String, signBody: Bool = true,
        timestampWindowSeconds: Int64 = 300, defaultChannel: String = "UPI", currencies: CurrencyRegistry = .standard
    ) {
        self.merchantNumber = merchantNumber
        self.accessKey = accessKey
        self.secrets = secrets
        self.baseURL = baseURL
        self.signBody = signBody
        self.timestampWindowSeconds = timestampWindowSeconds
        self.defaultChannel = defaultChannel
        self.currencies = currencies
    }
}

/// PayZApp-Gateway: invoices (pay-in), transfers (payouts), UPI UTR query and repair, balance;
/// pay-in and payout callbacks. No cancel and no refund API is documented. Amounts in integer
/// minor units (INR/BRL ×100, USDT ×10^6). See docs/providers/payzapp.md.
public struct PayZAppAdapter: GatewayAdapter {
    public let provider = try! ProviderID("payzapp")
    public let configuration: PayZAppConfiguration
    let codec = AmountCodec.integerMinor
    public var merchantIdentity: String { configuration.merchantNumber }

    public init(configuration: PayZAppConfiguration) {
        self.configuration = configuration
    }

    public func request(for operation: GatewayOperation, now: Timestamp, nonce: String) throws(GatewayError) -> GatewayHTTPRequest {
        var method = GatewayHTTPRequest.Method.post
        let path: String
        var query: [(String, String)] = []
        var body: [(String, String)]? = nil
        switch operation {
        case .createPayment(let p):
            path = "/trade/payin/unifiedorder"
            body = [
                ("tradeAmount", try codec.encode(p.amount)), ("currency", Wire.quote(p.amount.currency.code)),
                ("outTradeNo", Wire.quote(p.merchantOrderNumber)), ("notifyUrl", Wire.quote(p.notifyURL)),
                ("channelCode", Wire.quote(p.channel ?? configuration.defaultChannel)), ("attach", Wire.quote("")),
            ]
        case .queryPayment(let ref):
            method = .get
            path = "/trade/payin/query"
            query = [("outTradeNo", ref.merchantOrderNumber)]
        case .submitPayout(let p):
            path = "/trade/payout/unifiedorder"
            let payee = Wire.object([
                ("accountNo", Wire.quote(p.payee.accountNumber)), ("accountName", Wire.quote(p.payee.accountName)),
                ("bankCode", Wire.quote(p.payee.bankCode)), ("bank", Wire.quote(p.payee.bank)), ("phone", Wire.quote(p.payee.phone)),
            ])
            body = [
                ("payee", payee), ("tradeAmount", try codec.encode(p.amount)), ("currency", Wire.quote(p.amount.currency.code)),
                ("channelCode", Wire.quote(p.channel)), ("outTradeNo", Wire.quote(p.payoutNumber)), ("notifyUrl", Wire.quote(p.notifyURL)),
                ("attrch", Wire.quote("")),
            ]
        case .queryPayout(let ref):
            method = .get
            path = "/trade/payout/query"
            query = [("outTradeNo", ref.payoutNumber)]
        case .queryUTR(let utr):
            method = .get
            path = "/upi/utr/query"
            query = [("no", utr)]
        case .repairUTR(let utr, let number):
            path = "/upi/utr/repair"
            body = [("utr", Wire.quote(utr)), ("outTradeNo", Wire.quote(number))]
        case .balance:
            method = .get
            path = "/account/balance"
        case .cancelPayment, .submitRefund, .queryRefund:
            throw GatewayError(.unsupported, "PayZApp documents no \(operation.name) API")
        }
        let bytes = body.map { Array(Wire.object($0).utf8) }
        let url = configuration.baseURL + path + (query.isEmpty ? "" : "?" + query.map { "\($0.0)=\($0.1)" }.joined(separator: "&"))
        var headers = PayZAppWire.signedHeaders(
            accessKey: configuration.accessKey, mno: configuration.merchantNumber, nonce: nonce, timestamp: now, query: query, body: bytes,
            secrets: configuration.secrets, includeBody: configuration.signBody)
        if bytes != nil { headers.insert(("Content-Type", "application/json"), at: 0) }
        return GatewayHTTPRequest(method: method, url: url, headers: headers, body: bytes ?? [])
    }

    public func interpret(_ response: GatewayHTTPResponse, to operation: GatewayOperation) -> GatewayOutcome {
        if let failure = Wire.httpFailure(response) { return .failed(failure) }
        let envelope: RawJSON
        switch Wire.parseResponse(response.body) {
        case .success(let value): envelope = value
        case .failure(let failure): return .failed(failure)
        }
        guard let code = envelope["code"]?.scalarText else { return .failed(GatewayFailure(.malformedResponse, "answer has no code")) }
        guard code == "0" else { return .refused(code: code, message: envelope["msg"]?.scalarText ?? "") }
        guard let data = envelope["data"], data.members != nil else { return .failed(GatewayFailure(.malformedResponse, "answer has no data")) }
        do throws(CallbackRejection) {
            switch operation {
            case .createPayment:
                return .answered(.paymentCreated(CreatedPayment(
                    gatewayOrderNumber: try Wire.field(data, "tradeNo", in: "data"), payURL: Wire.optionalField(data, "payUrl"))))
            case .queryPayment:
                return .answered(.payment(try payment(data)))
            case .submitPayout, .queryPayout:
                return .answered(.payout(try payout(data)))
            case .queryUTR:
                let info = try Wire.object(data, "utrInfo", in: "data")
                let currency = try Wire.currency(try Wire.field(info, "currency", in: "utrInfo"), configuration.currencies)
                return .answered(.utr(UTRReport(
                    utr: try Wire.field(info, "utr", in: "utrInfo"), settled: data["check"] == .bool(true),
                    amount: try codec.decode(try Wire.numberLiteral(info, "amount", in: "utrInfo"), currency: currency),
                    merchantOrderNumber: data["tradeInfo"]?["outTradeNo"]?.scalarText)))
            case .repairUTR:
                return .answered(.utrRepair(accepted: data["result"] == .bool(true), message: Wire.optionalField(data, "message") ?? ""))
            case .balance:
                guard case .array(let items)? = data["balances"] else { throw CallbackRejection(.missingField, "data has no balances") }
                var balances: [Money] = []
                for item in items {
                    let currency = try Wire.currency(try Wire.field(item, "currency", in: "balance"), configuration.currencies)
                    balances.append(try codec.decode(try Wire.numberLiteral(item, "amount", in: "balance"), currency: currency))
                }
                return .answered(.balance(balances))
            case .cancelPayment, .submitRefund, .queryRefund:
                return .failed(GatewayFailure(.malformedResponse, "PayZApp has no \(operation.name)"))
            }
        } catch {
            return .failed(GatewayFailure(unreadable: error))
        }
    }

    func payment(_ data: RawJSON) throws(CallbackRejection) -> PaymentReport {
        let status = try Wire.field(data, "tradeStatus")
        guard let state = PayZAppWire.paymentState(status) else {
            throw CallbackRejection(.unknownStatus, "tradeStatus \"\(status)\" is not one PaySync knows for PayZApp")
        }
        let currency = try Wire.currency(try Wire.field(data, "currency"), configuration.currencies)
        return PaymentReport(
            merchantOrderNumber: try Wire.field(data, "outTradeNo"), gatewayOrderNumber: Wire.optionalField(data, "tradeNo"), state: state,
            providerStatus: status, amount: try codec.decode(try Wire.numberLiteral(data, "tradeAmount"), currency: currency),
            merchantID: Wire.optionalField(data, "mno"))
    }

    func payout(_ data: RawJSON) throws(CallbackRejection) -> PayoutReport {
        let status = try Wire.field(data, "tradeStatus")
        guard let state = PayZAppWire.payoutState(status) else {
            throw CallbackRejection(.unknownStatus, "payout tradeStatus \"\(status)\" is not one PaySync knows for PayZApp")
        }
        let currency = try Wire.currency(try Wire.field(data, "currency"), configuration.currencies)
        return PayoutReport(
            payoutNumber: try Wire.field(data, "outTradeNo"), gatewayPayoutNumber: Wire.optionalField(data, "tradeNo"), state: state,
            providerStatus: status, amount: try codec.decode(try Wire.numberLiteral(data, "tradeAmount"), currency: currency),
            merchantID: Wire.optionalField(data, "mno"))
    }

    public func callback(_ request: InboundCallback, now: Timestamp) throws(CallbackRejection) -> CallbackEvent {
        guard let signature = request.headers[PayZAppWire.signatureHeader], !signature.isEmpty else {
            throw CallbackRejection(.missingSignature, "the callback has no at-signature header")
        }
        // The declared method is signed too, but a signature that verifies under another name is still refused.
        guard request.headers["at-signature-method"] == PayZAppWire.signatureMethod else {
            throw CallbackRejection(
                .badSignature, "at-signature-method \(request.headers["at-signature-method"] ?? "(none)") is not \(PayZAppWire.signatureMethod), the method PaySync verifies")
        }
        let body = try Wire.parse(request.body)
        guard body.members != nil else { throw CallbackRejection(.malformedBody, "the callback is not a JSON object") }
        let signed = PayZAppWire.signedBytes(headers: request.headers, query: [], body: body, includeBody: configuration.signBody)
        guard configuration.secrets.verify(base64Code: signature, over: signed) else {
            throw CallbackRejection(.badSignature, "at-signature does not verify with any configured PayZApp secret")
        }
        guard let seconds = request.headers["at-timestamp"].flatMap(Int64.init),
            abs(seconds - now.millisecondsSinceEpoch / 1000) <= configuration.timestampWindowSeconds
        else {
            throw CallbackRejection(.staleTimestamp, "at-timestamp is missing or more than \(configuration.timestampWindowSeconds) s from now")
        }
        let type = Wire.optionalField(body, "type") ?? "payin"
        if type == "payout" {
            var report = try payout(body)
            report.merchantID = report.merchantID ?? request.headers["at-mno"]
            return CallbackEvent(
                subject: .payout(report),
                dedupKey: Wire.dedupKey("payzapp", "payout", report.payoutNumber, [report.gatewayPayoutNumber, report.providerStatus, report.amount.map { String($0.minorUnits) }]))
        }
        var report = try payment(body)
        report.merchantID = report.merchantID ?? request.headers["at-mno"]
        return CallbackEvent(
            subject: .payment(report),
            dedupKey: Wire.dedupKey("payzapp", "payin", report.merchantOrderNumber, [report.gatewayOrderNumber, report.providerStatus, report.amount.map { String($0.minorUnits) }]))
    }

    public func claimedOrderNumber(_ request: InboundCallback) -> String? {
        guard let body = try? RawJSONParser().parse(request.body), Wire.optionalField(body, "type") != "payout" else { return nil }
        return Wire.optionalField(body, "outTradeNo")
    }

    public func acknowledgement(accepted: Bool) -> CallbackAck {
        accepted ? CallbackAck(status: 200, contentType: "text/plain", body: PayZAppWire.ack) : CallbackAck(status: 500, contentType: "text/plain", body: "FAIL")
    }
}

import PaySyncCore

public struct NewPayConfiguration: Sendable {
    public var appID: String
    public var merchantID: String
    public var merchantKey: RSASigningKey
    public var gatewayKeys: RSAVerificationKeys
    /// e.g. `https://prod-openapi-v2.newpay.la`.
    public var baseURL: String
    /// `channel` of unified orders when a payment names none (WECHAT_ONLINE, ALIPAY_ONLINE, …).
    public var defaultChannel: String
    /// [assumption] Whether empty strings take part in the signature (default `true`).
    public var signEmptyValues: Bool
    public var currencies: CurrencyRegistry

    public init(
        appID: String, merchantID: String, merchantKey: RSASigningKey, gatewayKeys: RSAVerificationKeys, baseURL: String,
        defaultChannel: String = "NEWPAY_ONLINE", signEmptyValues: Bool = true, currencies: CurrencyRegistry = .standard
    ) {
        self.appID = appID
        self.merchantID = merchantID
        self.merchantKey = merchantKey
        self.gatewayKeys = gatewayKeys
        self.baseURL = baseURL
        self.defaultChannel = defaultChannel
        self.signEmptyValues = signEmptyValues
        self.currencies = currencies
    }
}

/// NewPay: `unifiedOrder`, `uniQueryPay`, `uniRefund`, `uniQueryRefund`; payment and refund
/// callbacks. No cancel API is documented: `cancelPayment` is unsupported and orders end EXPIRED.
/// LAK amounts carry no decimals. See docs/providers/newpay.md.
public struct NewPayAdapter: GatewayAdapter {
    public let provider = try! ProviderID("newpay")
    public let configuration: NewPayConfiguration
    let codec = AmountCodec.decimalMajor(wholeUnitCurrencies: ["LAK"])
    public var merchantIdentity: String { configuration.appID }

    /// The most distinct requests whose signatures the adapter remembers (then it starts afresh).
    static let rememberedRequests = 10_000

    /// NewPay's requests carry no timestamp or nonce, so every query of one order or refund is the
    /// same message, and PKCS#1 v1.5 signs it to the same bytes: the merchant key remembers its
    /// signatures, and the ladder's later rungs and the watches cost a SHA-256 instead of an RSA
    /// private-key operation each.
    public init(configuration: NewPayConfiguration) {
        var configuration = configuration
        configuration.merchantKey = configuration.merchantKey.remembering(upTo: Self.rememberedRequests)
        self.configuration = configuration
    }

    public func request(for operation: GatewayOperation, now: Timestamp, nonce: String) throws(GatewayError) -> GatewayHTTPRequest {
        let api: String
        var fields: [(String, String)] = [("appId", configuration.appID), ("mchId", configuration.merchantID)]
        switch operation {
        case .createPayment(let p):
            api = "unifiedOrder"
            fields += [
                ("mchOrderNo", p.merchantOrderNumber), ("channel", p.channel ?? configuration.defaultChannel), ("currency", p.amount.currency.code),
                ("orderAmt", try codec.encode(p.amount)), ("subject", p.subject), ("callBackUrl", p.notifyURL), ("redirect", p.returnURL ?? ""),
                ("attach", ""),
            ]
        case .queryPayment(let ref):
            api = "uniQueryPay"
            fields += [("mchOrderNo", ref.merchantOrderNumber)]
        case .submitRefund(let r):
            api = "uniRefund"
            fields += [
                ("newpayOrderNo", r.gatewayOrderNumber ?? ""), ("mchOrderNo", r.merchantOrderNumber), ("mchRefundNo", r.refundNumber),
                ("refundAmt", try codec.encode(r.amount)), ("callback", r.notifyURL),
            ]
        case .queryRefund(let ref):
            api = "uniQueryRefund"
            fields += [("mchRefundNo", ref.refundNumber)]
        case .cancelPayment:
            throw GatewayError(.unsupported, "NewPay documents no cancel API; unpaid orders expire at the gateway")
        case .submitPayout, .queryPayout, .queryUTR, .repairUTR, .balance:
            throw GatewayError(.unsupported, "NewPay has no \(operation.name)")
        }
        return GatewayHTTPRequest(
            method: .post, url: configuration.baseURL + NewPayWire.basePath + api, headers: [("Content-Type", "application/json")],
            body: NewPayWire.signedBody(fields, key: configuration.merchantKey, signEmptyValues: configuration.signEmptyValues))
    }

    public func interpret(_ response: GatewayHTTPResponse, to operation: GatewayOperation) -> GatewayOutcome {
        if let failure = Wire.httpFailure(response) { return .failed(failure) }
        let envelope: RawJSON
        switch Wire.parseResponse(response.body) {
        case .success(let value): envelope = value
        case .failure(let failure): return .failed(failure)
        }
        guard let code = envelope["code"]?.scalarText else { return .failed(GatewayFailure(.malformedResponse, "answer has no code")) }
        guard code == "0" else { return .refused(code: code, message: envelope["message"]?.scalarText ?? "") }
        guard let data = envelope["data"], data.members != nil else { return .failed(GatewayFailure(.malformedResponse, "answer has no data")) }
        guard NewPayWire.verify(data, keys: configuration.gatewayKeys, signEmptyValues: configuration.signEmptyValues) else {
            return .failed(GatewayFailure(.badSignature, "data.sign does not verify"))
        }
        do {
            switch operation {
            case .createPayment:
                return .answered(.paymentCreated(CreatedPayment(
                    gatewayOrderNumber: try Wire.field(data, "newpayOrderNo"), payURL: Wire.optionalField(data, "payUrl"),
                    qrContent: Wire.optionalField(data, "codeUrl"))))
            case .queryPayment:
                return .answered(.payment(try payment(data)))
            case .submitRefund, .queryRefund:
                return .answered(.refund(try refund(data)))
            case .cancelPayment, .submitPayout, .queryPayout, .queryUTR, .repairUTR, .balance:
                return .failed(GatewayFailure(.malformedResponse, "NewPay has no \(operation.name)"))
            }
        } catch {
            return .failed(GatewayFailure(unreadable: error))
        }
    }

    func amount(_ data: RawJSON, _ key: String) throws(CallbackRejection) -> Money {
        try Wire.money(data, key, amountKey: "value", codec: codec, currencies: configuration.currencies)
    }

    func payment(_ data: RawJSON) throws(CallbackRejection) -> PaymentReport {
        let status = try Wire.field(data, "payStatus", in: "data")
        guard let state = NewPayWire.paymentState(status) else {
            throw CallbackRejection(.unknownStatus, "payStatus \"\(status)\" is not one NewPay documents")
        }
        return PaymentReport(
            merchantOrderNumber: try Wire.field(data, "mchOrderNo", in: "data"), gatewayOrderNumber: Wire.optionalField(data, "newpayOrderNo"),
            state: state, providerStatus: status, amount: try amount(data, "orderAmt"), merchantID: Wire.optionalField(data, "appId"))
    }

    func refund(_ data: RawJSON) throws(CallbackRejection) -> RefundReport {
        let status: String
        if let text = Wire.optionalField(data, "refundStatus") { status = text } else { status = try Wire.field(data, "status", in: "data") }
        guard let state = NewPayWire.refundState(status) else {
            throw CallbackRejection(.unknownStatus, "refund status \"\(status)\" is not one NewPay documents")
        }
        return RefundReport(
            refundNumber: try Wire.field(data, "mchRefundNo", in: "data"), gatewayRefundNumber: Wire.optionalField(data, "newpayRefundNo"),
            merchantOrderNumber: Wire.optionalField(data, "mchOrderNo"), state: state, providerStatus: status, amount: try amount(data, "refundAmt"),
            merchantID: Wire.optionalField(data, "appId"))
    }

    public func callback(_ request: InboundCallback, now: Timestamp) throws(CallbackRejection) -> CallbackEvent {
        let envelope = try Wire.parse(request.body)
        let data = try Wire.object(envelope, "data")
        guard let sign = data["sign"]?.scalarText, !sign.isEmpty else { throw CallbackRejection(.missingSignature, "data has no sign") }
        guard NewPayWire.verify(data, keys: configuration.gatewayKeys, signEmptyValues: configuration.signEmptyValues) else {
            throw CallbackRejection(.badSignature, "data.sign does not verify with any configured NewPay key")
        }
        if data["mchRefundNo"] != nil {
            let report = try refund(data)
            return CallbackEvent(
                subject: .refund(report),
                dedupKey: Wire.dedupKey("newpay", "refund", report.refundNumber, [report.gatewayRefundNumber, report.providerStatus, report.amount?.decimalString]))
        }
        let report = try payment(data)
        return CallbackEvent(
            subject: .payment(report),
            dedupKey: Wire.dedupKey("newpay", "pay", report.merchantOrderNumber, [report.gatewayOrderNumber, report.providerStatus, report.amount?.decimalString, report.amount?.currency.code]))
    }

    public func claimedOrderNumber(_ request: InboundCallback) -> String? {
        guard let data = (try? RawJSONParser().parse(request.body))?["data"], data["mchRefundNo"] == nil else { return nil }
        return data["mchOrderNo"]?.scalarText
    }

    public func acknowledgement(accepted: Bool) -> CallbackAck {
        accepted
            ? CallbackAck(status: 200, contentType: "application/json", body: NewPayWire.ack)
            : CallbackAck(status: 500, contentType: "application/json", body: NewPayWire.nack)
    }
}

import PaySyncCore

public struct PayByConfiguration: Sendable {
    /// `Partner-Id`, the merchant id (≤ 12 characters).
    public var partnerID: String
    public var merchantKey: RSASigningKey
    public var gatewayKeys: RSAVerificationKeys
    /// e.g. `https://api.payby.com`.
    public var baseURL: String
    public var currencies: CurrencyRegistry

    public init(partnerID: String, merchantKey: RSASigningKey, gatewayKeys: RSAVerificationKeys, baseURL: String, currencies: CurrencyRegistry = .standard) {
        self.partnerID = partnerID
        self.merchantKey = merchantKey
        self.gatewayKeys = gatewayKeys
        self.baseURL = baseURL
        self.currencies = currencies
    }
}

/// PayBy: `placeOrder`, `getOrder`, `cancelOrder`, `refund/placeOrder`, `refund/getOrder`;
/// notifications for payments and refunds keyed by `notify_id`. See docs/providers/payby.md.
public struct PayByAdapter: GatewayAdapter {
    public let provider = try! ProviderID("payby")
    public let configuration: PayByConfiguration
    let codec = AmountCodec.decimalMajor(wholeUnitCurrencies: [])
    public var merchantIdentity: String { configuration.partnerID }

    public init(configuration: PayByConfiguration) {
        self.configuration = configuration
    }

    public func request(for operation: GatewayOperation, now: Timestamp, nonce: String) throws(GatewayError) -> GatewayHTTPRequest {
        let api: String
        let biz: [(String, String)]
        switch operation {
        case .createPayment(let p):
            api = "placeOrder"
            biz = [
                ("merchantOrderNo", Wire.quote(p.merchantOrderNumber)), ("subject", Wire.quote(p.subject)),
                ("totalAmount", PayByWire.money(p.amount.currency.code, try codec.encode(p.amount))),
                ("paySceneCode", Wire.quote("PAYPAGE")), ("notifyUrl", Wire.quote(p.notifyURL)),
            ] + (p.returnURL.map { [("redirectUrl", Wire.quote($0))] } ?? [])
        case .queryPayment(let ref):
            api = "getOrder"
            biz = [("merchantOrderNo", Wire.quote(ref.merchantOrderNumber))]
        case .cancelPayment(let ref):
            api = "cancelOrder"
            biz = [("merchantOrderNo", Wire.quote(ref.merchantOrderNumber))]
        case .submitRefund(let r):
            api = "refund/placeOrder"
            biz = [
                ("refundMerchantOrderNo", Wire.quote(r.refundNumber)), ("originMerchantOrderNo", Wire.quote(r.merchantOrderNumber)),
                ("amount", PayByWire.money(r.amount.currency.code, try codec.encode(r.amount))), ("operatorName", Wire.quote("paysync")),
                ("reason", Wire.quote(r.reason)), ("notifyUrl", Wire.quote(r.notifyURL)),
            ]
        case .queryRefund(let ref):
            api = "refund/getOrder"
            biz = [("refundMerchantOrderNo", Wire.quote(ref.refundNumber))]
        case .submitPayout, .queryPayout, .queryUTR, .repairUTR, .balance:
            throw GatewayError(.unsupported, "PayBy has no \(operation.name) in PaySync")
        }
        let body = Array(Wire.object([("requestTime", String(now.millisecondsSinceEpoch)), ("bizContent", Wire.object(biz))]).utf8)
        return GatewayHTTPRequest(
            method: .post, url: configuration.baseURL + PayByWire.basePath + api,
            headers: [
                ("Content-Type", "application/json"), ("Content-Language", "en"), ("Partner-Id", configuration.partnerID),
                ("sign", configuration.merchantKey.sign(body)),
            ],
            body: body)
    }

    public func interpret(_ response: GatewayHTTPResponse, to operation: GatewayOperation) -> GatewayOutcome {
        if let failure = Wire.httpFailure(response) { return .failed(failure) }
        let envelope: RawJSON
        switch Wire.parseResponse(response.body) {
        case .success(let value): envelope = value
        case .failure(let failure): return .failed(failure)
        }
        guard configuration.gatewayKeys.verify(base64Signature: response.headers["sign"] ?? "", over: response.body) else {
            return .failed(GatewayFailure(.badSignature, "answer sign header does not verify"))
        }
        guard let head = envelope["head"], let applyStatus = head["applyStatus"]?.scalarText, let code = head["code"]?.scalarText else {
            return .failed(GatewayFailure(.malformedResponse, "answer has no head"))
        }
        guard applyStatus == "SUCCESS", code == "0" else {
            if case .cancelPayment = operation, code == PayByWire.orderPaidCode { return .answered(.cancel(.alreadyPaid(providerStatus: code))) }
            return .refused(code: code, message: head["msg"]?.scalarText ?? applyStatus)
        }
        guard let body = envelope["body"], body.members != nil else { return .failed(GatewayFailure(.malformedResponse, "answer has no body")) }
        do {
            switch operation {
            case .createPayment:
                let order = try Wire.object(body, "acquireOrder")
                return .answered(.paymentCreated(CreatedPayment(
                    gatewayOrderNumber: try Wire.field(order, "orderNo"), payURL: body["interActionParams"]?["tokenUrl"]?.scalarText)))
            case .queryPayment:
                return .answered(.payment(try payment(try Wire.object(body, "acquireOrder"))))
            case .cancelPayment:
                let report = try payment(try Wire.object(body, "acquireOrder"))
                return .answered(.cancel(report.state == .paid ? .alreadyPaid(providerStatus: report.providerStatus) : .closed(providerStatus: report.providerStatus)))
            case .submitRefund, .queryRefund:
                return .answered(.refund(try refund(try Wire.object(body, "refundOrder"))))
            case .submitPayout, .queryPayout, .queryUTR, .repairUTR, .balance:
                return .failed(GatewayFailure(.malformedResponse, "PayBy has no \(operation.name)"))
            }
        } catch {
            return .failed(GatewayFailure(unreadable: error))
        }
    }

    func money(_ object: RawJSON, _ key: String) throws(CallbackRejection) -> Money {
        try Wire.money(object, key, amountKey: "amount", codec: codec, currencies: configuration.currencies)
    }

    func payment(_ order: RawJSON) throws(CallbackRejection) -> PaymentReport {
        let status = try Wire.field(order, "status", in: "acquireOrder")
        guard let state = PayByWire.paymentState(status) else {
            throw CallbackRejection(.unknownStatus, "acquireOrder.status \"\(status)\" is not one PayBy documents")
        }
        // [src] paymentInfo.paidAmount: what the payer paid (the SDK's sample notification); absent or null: not stated.
        var paid: [Money] = []
        if let info = order["paymentInfo"], let stated = info["paidAmount"], stated != .null { paid.append(try money(info, "paidAmount")) }
        return PaymentReport(
            merchantOrderNumber: try Wire.field(order, "merchantOrderNo", in: "acquireOrder"), gatewayOrderNumber: Wire.optionalField(order, "orderNo"),
            state: state, providerStatus: status, amount: try money(order, "totalAmount"), merchantID: Wire.optionalField(order, "payeeMid"),
            paidAmounts: paid)
    }

    func refund(_ order: RawJSON) throws(CallbackRejection) -> RefundReport {
        let status = try Wire.field(order, "status", in: "refundOrder")
        guard let state = PayByWire.refundState(status) else {
            throw CallbackRejection(.unknownStatus, "refundOrder.status \"\(status)\" is not one PayBy documents")
        }
        return RefundReport(
            refundNumber: try Wire.field(order, "refundMerchantOrderNo", in: "refundOrder"), gatewayRefundNumber: Wire.optionalField(order, "orderNo"),
            merchantOrderNumber: Wire.optionalField(order, "originMerchantOrderNo"), state: state, providerStatus: status,
            amount: try money(order, "amount"), merchantID: Wire.optionalField(order, "payeeMid"))
    }

    public func callback(_ request: InboundCallback, now: Timestamp) throws(CallbackRejection) -> CallbackEvent {
        guard let sign = request.headers["sign"], !sign.isEmpty else { throw CallbackRejection(.missingSignature, "the notification has no sign header") }
        guard configuration.gatewayKeys.verify(base64Signature: sign, over: request.body) else {
            throw CallbackRejection(.badSignature, "sign header does not verify with any configured PayBy key")
        }
        let body = try Wire.parse(request.body)
        let notifyID = try Wire.field(body, "notify_id")
        if let order = body["acquireOrder"], order.members != nil {
            return CallbackEvent(subject: .payment(try payment(order)), dedupKey: "payby:" + notifyID)
        }
        if let order = body["refundOrder"], order.members != nil {
            return CallbackEvent(subject: .refund(try refund(order)), dedupKey: "payby:" + notifyID)
        }
        throw CallbackRejection(.missingField, "the notification has neither acquireOrder nor refundOrder")
    }

    public func claimedOrderNumber(_ request: InboundCallback) -> String? {
        (try? RawJSONParser().parse(request.body))?["acquireOrder"]?["merchantOrderNo"]?.scalarText
    }

    public func acknowledgement(accepted: Bool) -> CallbackAck {
        accepted ? CallbackAck(status: 200, contentType: "text/plain", body: PayByWire.ack) : CallbackAck(status: 500, contentType: "text/plain", body: "FAIL")
    }
}

import PaySyncCore

/// Credentials and endpoints of one CodePay merchant account.
public struct CodePayConfiguration: Sendable {
    public var appID: String
    public var merchantNumber: String
    public var merchantKey: RSASigningKey
    /// The gateway's public keys (several during a rotation).
    public var gatewayKeys: RSAVerificationKeys
    /// e.g. `https://gw.codepay.us`; the sandbox's address in tests and the demo.
    public var baseURL: String
    public var currencies: CurrencyRegistry

    public init(
        appID: String, merchantNumber: String, merchantKey: RSASigningKey, gatewayKeys: RSAVerificationKeys, baseURL: String,
        currencies: CurrencyRegistry = .standard
    ) {
        self.appID = appID
        self.merchantNumber = merchantNumber
        self.merchantKey = merchantKey
        self.gatewayKeys = gatewayKeys
        self.baseURL = baseURL
        self.currencies = currencies
    }
}

/// CodePay: hosted checkout (`pay.checkout`), `order.query`, `order.revoker` (cancel),
/// `order.refund.submit`, `order.refund.query`; notifications for payments and refunds.
/// No payouts. See docs/providers/codepay.md.
public struct CodePayAdapter: GatewayAdapter {
    public let provider = try! ProviderID("codepay")
    public let configuration: CodePayConfiguration
    let codec = AmountCodec.javaDouble
    public var merchantIdentity: String { configuration.merchantNumber }

    public init(configuration: CodePayConfiguration) {
        self.configuration = configuration
    }

    public func request(for operation: GatewayOperation, now: Timestamp, nonce: String) throws(GatewayError) -> GatewayHTTPRequest {
        let method: String
        var biz: [(String, String)] = [("merchant_no", configuration.merchantNumber)]
        switch operation {
        case .createPayment(let p):
            method = "pay.checkout"
            biz += [
                ("merchant_order_no", p.merchantOrderNumber), ("order_amount", try codec.encode(p.amount)),
                ("price_currency", p.amount.currency.code), ("description", p.subject), ("notify_url", p.notifyURL),
                ("return_url", p.returnURL ?? ""),
            ]
        case .queryPayment(let ref):
            method = "order.query"
            biz += [("merchant_order_no", ref.merchantOrderNumber), ("trans_no", ref.gatewayOrderNumber ?? "")]
        case .cancelPayment(let ref):
            method = "order.revoker"
            biz += [("merchant_order_no", ref.merchantOrderNumber), ("trans_no", ref.gatewayOrderNumber ?? "")]
        case .submitRefund(let r):
            method = "order.refund.submit"
            biz += [
                ("orig_merchant_order_no", r.merchantOrderNumber), ("merchant_order_no", r.refundNumber),
                ("price_currency", r.amount.currency.code), ("order_amount", try codec.encode(r.orderAmount)),
                ("trans_amount", try codec.encode(r.amount)), ("description", r.reason), ("notify_url", r.notifyURL),
            ]
        case .queryRefund(let ref):
            method = "order.refund.query"
            biz += [("merchant_order_no", ref.refundNumber)]
        case .submitPayout, .queryPayout, .queryUTR, .repairUTR, .balance:
            throw GatewayError(.unsupported, "CodePay has no \(operation.name)")
        }
        let common: [(String, String)] = [
            ("app_id", configuration.appID), ("method", method), ("format", "JSON"), ("charset", "UTF-8"), ("sign_type", "RSA2"),
            ("version", "1.0"), ("timestamp", String(now.millisecondsSinceEpoch)),
        ]
        return GatewayHTTPRequest(
            method: .post, url: configuration.baseURL + CodePayWire.path,
            headers: [("Content-Type", "application/json"), ("Http-Request-Psn", nonce)],
            // Empty values are left out: the Java SDK drops them from the string it signs, the PHP
            // demo keeps them, and a field that is not there is signed alike by both.
            body: CodePayWire.signedBody((common + biz).filter { !$0.1.isEmpty }, key: configuration.merchantKey))
    }

    public func interpret(_ response: GatewayHTTPResponse, to operation: GatewayOperation) -> GatewayOutcome {
        if let failure = Wire.httpFailure(response) { return .failed(failure) }
        let envelope: RawJSON
        switch Wire.parseResponse(response.body) {
        case .success(let value): envelope = value
        case .failure(let failure): return .failed(failure)
        }
        guard let code = envelope["code"]?.scalarText else { return .failed(GatewayFailure(.malformedResponse, "answer has no code")) }
        guard CodePayWire.verify(envelope, keys: configuration.gatewayKeys) else {
            return .failed(GatewayFailure(.badSignature, "answer signature does not verify"))
        }
        let message = envelope["msg"]?.scalarText ?? ""
        if code != "0" {
            if case .cancelPayment = operation, code == CodePayWire.orderPaidCode { return .answered(.cancel(.alreadyPaid(providerStatus: code))) }
            return .refused(code: code, message: message)
        }
        let data: RawJSON
        switch envelope["data"] {
        case .string(let text, _)?:
            switch Wire.parseResponse(Array(text.utf8)) {
            case .success(let value): data = value
            case .failure(let failure): return .failed(failure)
            }
        case let value? where value.members != nil: data = value
        default: return .failed(GatewayFailure(.malformedResponse, "answer has no data"))
        }
        do {
            return .answered(try answer(data, to: operation))
        } catch let rejection {
            return .failed(GatewayFailure(unreadable: rejection))
        }
    }

    private func answer(_ data: RawJSON, to operation: GatewayOperation) throws(CallbackRejection) -> GatewayAnswer {
        switch operation {
        case .createPayment:
            return .paymentCreated(CreatedPayment(gatewayOrderNumber: try Wire.field(data, "trans_no"), payURL: Wire.optionalField(data, "pay_url")))
        case .queryPayment:
            return .payment(try payment(data))
        case .cancelPayment:
            let status = try Wire.field(data, "trans_status")
            switch status {
            case "1", "3": return .cancel(.closed(providerStatus: status))
            case "2": return .cancel(.alreadyPaid(providerStatus: status))
            default: throw CallbackRejection(.unknownStatus, "revoke answered trans_status \"\(status)\"")
            }
        case .submitRefund, .queryRefund:
            return .refund(try refund(data))
        case .submitPayout, .queryPayout, .queryUTR, .repairUTR, .balance:
            throw CallbackRejection(.malformedBody, "CodePay has no \(operation.name)")
        }
    }

    func payment(_ data: RawJSON) throws(CallbackRejection) -> PaymentReport {
        let status = try Wire.field(data, "trans_status")
        guard let state = CodePayWire.paymentState(status) else {
            throw CallbackRejection(.unknownStatus, "trans_status \"\(status)\" is not one CodePay documents")
        }
        let currency = try Wire.currency(try Wire.field(data, "price_currency"), configuration.currencies)
        // [src] trans_amount is the priced transaction amount, paid_amount what the customer paid.
        var paid: [Money] = []
        for key in ["trans_amount", "paid_amount"] {
            if let text = Wire.optionalField(data, key), !text.isEmpty { paid.append(try codec.decode(text, currency: currency)) }
        }
        return PaymentReport(
            merchantOrderNumber: try Wire.field(data, "merchant_order_no"), gatewayOrderNumber: Wire.optionalField(data, "trans_no"),
            state: state, providerStatus: status, amount: try codec.decode(try Wire.field(data, "order_amount"), currency: currency),
            merchantID: Wire.optionalField(data, "merchant_no"), paidAmounts: paid)
    }

    func refund(_ data: RawJSON) throws(CallbackRejection) -> RefundReport {
        let status = try Wire.field(data, "trans_status")
        guard let state = CodePayWire.refundState(status) else {
            throw CallbackRejection(.unknownStatus, "refund trans_status \"\(status)\" is not one CodePay documents")
        }
        let currency = try Wire.currency(try Wire.field(data, "price_currency"), configuration.currencies)
        return RefundReport(
            refundNumber: try Wire.field(data, "merchant_order_no"), gatewayRefundNumber: Wire.optionalField(data, "trans_no"),
            merchantOrderNumber: Wire.optionalField(data, "orig_merchant_order_no"), state: state, providerStatus: status,
            amount: try codec.decode(try Wire.field(data, "trans_amount"), currency: currency), merchantID: Wire.optionalField(data, "merchant_no"))
    }

    public func callback(_ request: InboundCallback, now: Timestamp) throws(CallbackRejection) -> CallbackEvent {
        let body = try Wire.parse(request.body)
        guard body.members != nil else { throw CallbackRejection(.malformedBody, "the notification is not a JSON object") }
        guard let sign = body["sign"]?.scalarText, !sign.isEmpty else {
            throw CallbackRejection(.missingSignature, "the notification has no sign")
        }
        guard CodePayWire.verify(body, keys: configuration.gatewayKeys) else {
            throw CallbackRejection(.badSignature, "sign does not verify with any configured CodePay key")
        }
        if let application = Wire.optionalField(body, "app_id"), application != configuration.appID {
            throw CallbackRejection(.wrongMerchant, "the notification names application \(application), not \(configuration.appID)")
        }
        // trans_type tells sale from refund; the field list mirrors order.query.
        let type = Wire.optionalField(body, "trans_type")
        switch CodePayWire.transType(type) {
        case .sale?:
            break
        case .void?:
            throw CallbackRejection(.unknownStatus, "trans_type \(type ?? "") (void) is not a notification PaySync acts on")
        case nil:
            throw CallbackRejection(.unknownStatus, "trans_type \"\(type ?? "")\" is not one CodePay documents (1 sale, 2 void, 3 refund)")
        case .refund?:
            let report = try refund(body)
            return CallbackEvent(
                subject: .refund(report),
                dedupKey: Wire.dedupKey("codepay", "refund", report.refundNumber, [report.gatewayRefundNumber, report.providerStatus, report.amount?.decimalString]))
        }
        let report = try payment(body)
        return CallbackEvent(
            subject: .payment(report),
            dedupKey: Wire.dedupKey("codepay", "sale", report.merchantOrderNumber, [report.gatewayOrderNumber, report.providerStatus, report.amount?.decimalString]))
    }

    public func claimedOrderNumber(_ request: InboundCallback) -> String? {
        let body: RawJSON
        do {
            body = try RawJSONParser().parse(request.body)
        } catch {
            // Unreadable: no claim to ask about. `callback` refused the same bytes with this error's reason, recorded.
            return nil
        }
        guard CodePayWire.transType(Wire.optionalField(body, "trans_type")) == .sale else { return nil }
        return Wire.optionalField(body, "merchant_order_no")
    }

    public func acknowledgement(accepted: Bool) -> CallbackAck {
        accepted ? CallbackAck(status: 200, contentType: "text/plain", body: CodePayWire.ack) : CallbackAck(status: 500, contentType: "text/plain", body: "fail")
    }

}

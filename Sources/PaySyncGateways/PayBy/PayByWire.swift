/// PayBy's wire rules, shared by the adapter and the sandbox that plays PayBy.
///
/// [src] `POST {base}/sgs/api/acquire2/<api>` with headers `Content-Type`, `Content-Language`,
/// `Partner-Id` and `sign`: SHA256withRSA over the *entire raw body*, Base64. Bodies are
/// `{"requestTime": <ms>, "bizContent": {…}}`; answers `{"head": {applyStatus, code, msg,
/// traceCode}, "body": {…}}` signed the same way by PayBy in their `sign` header. Notifications
/// carry `sign` too ([assumption] over the raw notification body).
public enum PayByWire {
    public static let basePath = "/sgs/api/acquire2/"
    public static let ack = "SUCCESS"
    /// [assumption] The head code PayBy answers when a cancel finds the order paid.
    public static let orderPaidCode = "ORDER_PAID"
    public static let orderNotFoundCode = "ORDER_NOT_EXIST"

    /// [src] CREATED, PAID_SUCCESS, SETTLED (paid and settled), FAILURE (cancelled or expired).
    public static func paymentState(_ status: String) -> PaymentState? {
        switch status {
        case "CREATED": .pending
        case "PAID_SUCCESS", "SETTLED": .paid
        case "FAILURE": .failed
        default: nil
        }
    }

    /// [src] CREATED, REFUNDED_SETTLED, SUCCESS (reached the payer), FAILURE.
    public static func refundState(_ status: String) -> RefundState? {
        switch status {
        case "CREATED": .processing
        case "REFUNDED_SETTLED", "SUCCESS": .succeeded
        case "FAILURE": .failed
        default: nil
        }
    }

    /// `Money` as PayBy writes it: `{"currency":"AED","amount":"100.50"}`.
    public static func money(_ currency: String, _ amount: String) -> String {
        Wire.object([("currency", Wire.quote(currency)), ("amount", Wire.quote(amount))])
    }
}

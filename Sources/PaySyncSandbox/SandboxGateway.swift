import PaySyncCore
import PaySyncGateways

/// An HTTP request to a sandbox gateway, its provider prefix removed from `path`.
public struct SandboxRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [(String, String)]
    /// Lower-cased names.
    public var headers: [String: String]
    public var body: [UInt8]
}

public struct SandboxResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    init(status: Int = 200, contentType: String = "application/json", headers: [(String, String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = [("Content-Type", contentType)] + headers
        self.body = body
    }
}

/// A callback ready to send: headers and the exact body.
public struct SignedMessage: Sendable, Hashable {
    public var headers: [String: String]
    public var body: [UInt8]
}

/// Which key signs a callback: the gateway's own, or a forger's.
public enum SigningIdentity: Sendable { case genuine, forged }

/// What a gateway server needs besides the request.
struct SandboxContext: Sendable {
    let ledger: SandboxLedger
    let now: Timestamp
    /// Counts a query of (gateway, order) and returns the seeded fault it meets, if any.
    let queryFault: @Sendable (String, String) async -> FaultPlan.QueryFault?
    /// Announces a change the gateway notifies about.
    let notify: @Sendable (SandboxEvent) async -> Void
    /// Waits `milliseconds` of real time (a timeout fault).
    let stall: @Sendable () async -> Void
}

/// A change worth a callback.
public enum SandboxEvent: Sendable, Hashable {
    case payment(SandboxPayment)
    case refund(SandboxRefund)
    case payout(SandboxPayout)

    var notifyURL: String {
        switch self {
        case .payment(let p): p.notifyURL
        case .refund(let r): r.notifyURL
        case .payout(let p): p.notifyURL
        }
    }

    /// Identifies the event across redeliveries (and seeds its faults).
    var identity: String {
        switch self {
        case .payment(let p): "payment/\(p.merchantOrderNumber)/\(p.status.rawValue)/\(p.revision)"
        case .refund(let r): "refund/\(r.refundNumber)/\(r.status.rawValue)"
        case .payout(let p): "payout/\(p.payoutNumber)/\(p.status.rawValue)"
        }
    }
}

/// The ids the sandbox expects the merchant to present.
public struct SandboxMerchant: Sendable, Hashable {
    public var codePayAppID = "app-cp"
    public var codePayMerchantNumber = "M100"
    public var payByPartnerID = "200000001"
    public var newPayAppID = "app1"
    public var newPayMerchantID = "mch1"
    public var payZAppMerchantNumber = "MNO1"
    public var payZAppAccessKey = "AK1"
    public init() {}
}

/// One gateway played by the sandbox: its API, its callbacks, its redelivery rules.
protocol SandboxGateway: Sendable {
    var name: String { get }
    var schedule: RedeliverySchedule { get }
    func handle(_ request: SandboxRequest, _ context: SandboxContext) async -> SandboxResponse
    /// The callback for `event`; `amount` overrides the stated amount (tampering).
    func callback(for event: SandboxEvent, amount: Money?, identity: SigningIdentity, now: Timestamp) -> SignedMessage?
    /// Whether a merchant's answer counts as acknowledged.
    func isAcknowledgement(status: Int, body: [UInt8]) -> Bool
}

extension SandboxGateway {
    /// Applies the seeded query fault for the `count`-th query of `order`, if any.
    func queryFault(_ order: String, _ context: SandboxContext) async -> SandboxResponse? {
        switch await context.queryFault(name, order) {
        case nil: return nil
        case .timeout?:
            await context.stall()
            return SandboxResponse(status: 504, contentType: "text/plain", body: Array("gateway timeout".utf8))
        case .serverError?: return SandboxResponse(status: 503, contentType: "text/plain", body: Array("service unavailable".utf8))
        case .malformed?: return SandboxResponse(status: 200, contentType: "text/html", body: Array("<html>maintenance</html>".utf8))
        }
    }
}

func parseJSON(_ bytes: [UInt8]) -> RawJSON? { try? RawJSONParser().parse(bytes) }

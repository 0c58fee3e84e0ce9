import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PaySyncCore
import PaySyncGateways
import PaySyncTransport

/// Keys and ids the sandbox gateways use.
public struct SandboxConfiguration: Sendable {
    /// Signs the sandbox gateways' answers and callbacks (CodePay, PayBy, NewPay).
    public var gatewayKey: RSASigningKey
    /// The merchant's public keys: requests must verify against them.
    public var merchantPublicKeys: RSAVerificationKeys
    /// PayZApp's Access-Secret.
    public var payZAppSecret: String
    public var merchant = SandboxMerchant()
    public var faults = FaultPlan.none
    public var currencies = CurrencyRegistry.standard
    /// How many callbacks the gateways send at once (`nil`: every due one at once, as the demo does).
    public var deliveryConcurrency: Int?
    /// How long a timeout fault holds a query before answering 504 (real milliseconds).
    public var stallMilliseconds: UInt64 = 1_500
    /// Opening balances payouts draw on.
    public var openingBalances: [Money] = [Money(minorUnits: 100_000_000, currency: .INR), Money(minorUnits: 100_000_000, currency: .BRL), Money(minorUnits: 100_000_000_000, currency: .USDT)]

    public init(gatewayKey: RSASigningKey, merchantPublicKeys: RSAVerificationKeys, payZAppSecret: String) {
        self.gatewayKey = gatewayKey
        self.merchantPublicKeys = merchantPublicKeys
        self.payZAppSecret = payZAppSecret
    }
}

/// One HTTP server that plays CodePay, PayBy, NewPay and PayZApp on loopback, under
/// `/codepay`, `/payby`, `/newpay` and `/payzapp`, with a control API under `/control` through
/// which a test or the demo acts as the customer. Its ledger is the truth PaySync must converge to.
public final class Sandbox: Sendable {
    public let ledger: SandboxLedger
    public let clock: any PaySyncClock
    let configuration: SandboxConfiguration
    let gateways: [String: any SandboxGateway]
    let deliverer: CallbackDeliverer
    let queries = QueryCounter()

    public init(configuration: SandboxConfiguration, clock: any PaySyncClock, transport: any HTTPTransport = AsyncHTTPClientTransport()) throws {
        self.configuration = configuration
        self.clock = clock
        ledger = SandboxLedger(openingBalances: configuration.openingBalances)
        let forgery = Self.forgeryKey
        var c = configuration
        // Answers repeat byte for byte (each query of a pending order gets the same one): their
        // signatures are made once. What goes on the wire is unchanged.
        c.gatewayKey = c.gatewayKey.remembering(upTo: Self.rememberedSignatures)
        let list: [any SandboxGateway] = [
            CodePaySandbox(gatewayKey: c.gatewayKey, forgeryKey: forgery, merchantKeys: c.merchantPublicKeys, currencies: c.currencies, merchant: c.merchant),
            PayBySandbox(gatewayKey: c.gatewayKey, forgeryKey: forgery, merchantKeys: c.merchantPublicKeys, currencies: c.currencies, merchant: c.merchant),
            NewPaySandbox(gatewayKey: c.gatewayKey, forgeryKey: forgery, merchantKeys: c.merchantPublicKeys, currencies: c.currencies, merchant: c.merchant),
            PayZAppSandbox(secrets: try HMACSecrets([c.payZAppSecret]), forgedSecrets: try HMACSecrets(["not-" + c.payZAppSecret]), currencies: c.currencies, merchant: c.merchant),
        ]
        gateways = Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
        deliverer = CallbackDeliverer(transport: transport, faults: configuration.faults, clock: clock, concurrency: configuration.deliveryConcurrency)
    }

    /// How many distinct messages the gateway key remembers its signatures of (D35 in docs/decisions.md).
    static let rememberedSignatures = 50_000

    /// The key forged callbacks are signed with: any key that is not the gateway's. Made once per
    /// process (RSA key generation is slow).
    static let forgeryKey = RSASigningKey.generate()

    // MARK: The customer's side (also under /control)

    /// The customer pays (or, with `force`, the gateway records a payment even on a closed order).
    @discardableResult
    public func pay(_ provider: String, _ number: String, force: Bool = false) async throws -> SandboxPayment {
        try await settle(provider, number, .paid, force: force)
    }

    /// The payment fails, or expires at the gateway.
    @discardableResult
    public func settle(_ provider: String, _ number: String, _ status: SandboxPayment.Status, force: Bool = false) async throws -> SandboxPayment {
        let payment = try await ledger.settle(provider: provider, number: number, to: status, force: force)
        await notify(.payment(payment), provider)
        return payment
    }

    /// The customer pays by UPI outside the invoice: PayZApp holds the money, unlinked, under a UTR.
    public func payByUPI(_ amount: Money) async -> String { await ledger.creditUPI(amount).utr }

    /// The bank finishes a refund.
    @discardableResult
    public func finishRefund(_ provider: String, _ refundNumber: String, succeeded: Bool = true) async throws -> SandboxRefund {
        let refund = try await ledger.finishRefund(provider: provider, refundNumber: refundNumber, succeeded: succeeded)
        await notify(.refund(refund), provider)
        return refund
    }

    /// A PayZApp transfer completes.
    @discardableResult
    public func finishPayout(_ number: String, succeeded: Bool = true) async throws -> SandboxPayout {
        let payout = try await ledger.finishPayout(number: number, succeeded: succeeded)
        await notify(.payout(payout), "payzapp")
        return payout
    }

    /// The payment callback `provider` would send now for `number`, optionally stating another
    /// status or amount, or signed by a forger. For tests that post callbacks themselves.
    public func paymentCallback(
        _ provider: String, _ number: String, status: SandboxPayment.Status? = nil, amount: Money? = nil, forged: Bool = false
    ) async -> SignedMessage? {
        guard let gateway = gateways[provider], var payment = await ledger.payment(provider: provider, number: number) else { return nil }
        if let status { payment.status = status }
        return gateway.callback(for: .payment(payment), amount: amount, identity: forged ? .forged : .genuine, now: clock.now())
    }

    /// Sends the callbacks due at the clock's current time.
    public func deliverDueCallbacks() async { await deliverer.deliverDue() }
    /// Every delivery attempt so far.
    public func deliveries() async -> [DeliveryAttempt] { await deliverer.log }
    /// Runs `action` in the delivery whose acknowledgement makes the count reach `count`, before
    /// that delivery's round goes on: a test can act at an exact point of a burst.
    public func whenAcknowledged(count: Int, _ action: @escaping @Sendable () -> Void) {
        deliverer.acknowledgements.when(reaching: count, action)
    }
    /// Queries each gateway received, by fault met.
    public func queryTallies() async -> [String: QueryTally] { await queries.tallies }
    /// Deliveries held back by a delay fault so far.
    public func delayedDeliveries() async -> Int { await deliverer.delayed }
    /// When the next callback delivery is due.
    public func nextDeliveryDue() async -> Timestamp? { await deliverer.nextDue }
    /// The UTR the sandbox assigns to a PayZApp pay-in.
    public static func utr(of payment: SandboxPayment) -> String { PayZAppSandbox.utr(payment) }

    func notify(_ event: SandboxEvent, _ provider: String) async {
        guard let gateway = gateways[provider] else { return }
        await deliverer.enqueue(event, gateway: gateway)
    }

    // MARK: HTTP

    /// The router: the four gateways and `/control`.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        for name in gateways.keys {
            router.on("\(name)/**", method: .post) { request, context in try await self.serve(name, request, context) }
            router.on("\(name)/**", method: .get) { request, context in try await self.serve(name, request, context) }
        }
        router.post("control/:provider/orders/:number/:action") { request, context -> Response in
            let provider = try context.parameters.require("provider")
            let number = try context.parameters.require("number")
            let force = request.uri.queryParameters["force"] == "true"
            let status: SandboxPayment.Status
            switch try context.parameters.require("action") {
            case "pay": status = .paid
            case "fail": status = .failed
            case "expire": status = .expired
            default: return Response(status: .notFound)
            }
            do {
                let payment = try await self.settle(provider, number, status, force: force)
                return Self.text("\(payment.merchantOrderNumber) \(payment.status.rawValue)\n")
            } catch {
                return Self.text("\(error)\n", status: .conflict)
            }
        }
        router.post("control/:provider/refunds/:number/:action") { _, context -> Response in
            let ok = try context.parameters.require("action") == "succeed"
            do {
                let refund = try await self.finishRefund(try context.parameters.require("provider"), try context.parameters.require("number"), succeeded: ok)
                return Self.text("\(refund.refundNumber) \(refund.status.rawValue)\n")
            } catch { return Self.text("\(error)\n", status: .conflict) }
        }
        router.post("control/payzapp/payouts/:number/:action") { _, context -> Response in
            let ok = try context.parameters.require("action") == "succeed"
            do {
                let payout = try await self.finishPayout(try context.parameters.require("number"), succeeded: ok)
                return Self.text("\(payout.payoutNumber) \(payout.status.rawValue)\n")
            } catch { return Self.text("\(error)\n", status: .conflict) }
        }
        router.post("control/payzapp/upi") { request, _ -> Response in
            guard let minor = request.uri.queryParameters["amount"].flatMap({ Int64(String($0)) }), minor > 0,
                let currency = request.uri.queryParameters["currency"].flatMap({ CurrencyRegistry.standard.currency(code: String($0)) })
            else { return Self.text("give amount (minor units) and currency, e.g. ?amount=1525&currency=INR\n", status: .badRequest) }
            return Self.text(await self.payByUPI(Money(minorUnits: minor, currency: currency)) + "\n")
        }
        router.post("control/deliver") { _, _ -> Response in
            await self.deliverDueCallbacks()
            return Self.text("delivered\n")
        }
        router.get("control/ledger") { _, _ -> Response in
            let lines = await self.ledger.allPayments().map { "\($0.provider) \($0.merchantOrderNumber) \($0.gatewayNumber) \($0.amount) \($0.status.rawValue)" }
            return Self.text(lines.joined(separator: "\n") + "\n")
        }
        return router
    }

    private func serve(_ name: String, _ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let gateway = gateways[name] else { return Response(status: .notFound) }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }  // canonical names are lower-case
        let body = try await request.body.collect(upTo: 1 << 20)
        let path = String(request.uri.path.dropFirst(name.count + 1))
        let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        let sandboxContext = SandboxContext(
            ledger: ledger, now: clock.now(),
            queryFault: { [faults = configuration.faults] provider, order in await self.queries.next(provider, order, faults) },
            notify: { event in await self.notify(event, name) },
            stall: { [stall = configuration.stallMilliseconds] in try? await Task.sleep(nanoseconds: stall * 1_000_000) })
        let answer = await gateway.handle(
            SandboxRequest(method: request.method.rawValue, path: path, query: query, headers: headers, body: Array(body.readableBytesView)), sandboxContext)
        var fields = HTTPFields()
        for (name, value) in answer.headers { if let field = HTTPField.Name(name) { fields[field] = value } }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// How many queries a gateway answered, and how many of them met a fault.
public struct QueryTally: Hashable, Sendable, Codable {
    public var answered = 0
    public var timedOut = 0
    public var serverErrors = 0
    public var malformed = 0
    public var total: Int { answered + timedOut + serverErrors + malformed }
}

/// Counts queries per order so query faults are drawn per (order, n-th query), and tallies them
/// per gateway.
actor QueryCounter {
    private var counts: [String: Int] = [:]
    private(set) var tallies: [String: QueryTally] = [:]

    func next(_ provider: String, _ order: String, _ faults: FaultPlan) -> FaultPlan.QueryFault? {
        let key = provider + "/" + order
        counts[key, default: 0] += 1
        let fault = faults.query(provider: provider, order: order, count: counts[key]!)
        switch fault {
        case nil: tallies[provider, default: QueryTally()].answered += 1
        case .timeout?: tallies[provider, default: QueryTally()].timedOut += 1
        case .serverError?: tallies[provider, default: QueryTally()].serverErrors += 1
        case .malformed?: tallies[provider, default: QueryTally()].malformed += 1
        }
        return fault
    }
}

import Logging
import PaySyncCore
import PaySyncGateways
import PaySyncStore
import PaySyncTransport

/// One gateway call's outcome and the audit row that records it.
public struct GatewayCall: Hashable, Sendable {
    public let outcome: GatewayOutcome
    public let audit: AuditRecord
}

/// The adapters of a deployment, by merchant account and gateway.
public struct GatewayDirectory: Sendable {
    private var adapters: [String: any GatewayAdapter] = [:]

    public init() {}

    public mutating func register(_ adapter: any GatewayAdapter, account: MerchantAccountID = .default) {
        adapters[account.rawValue + "/" + adapter.provider.rawValue] = adapter
    }

    public func adapter(_ provider: ProviderID, account: MerchantAccountID = .default) -> (any GatewayAdapter)? {
        adapters[account.rawValue + "/" + provider.rawValue]
    }

    public var providers: Set<ProviderID> { Set(adapters.values.map(\.provider)) }
}

/// How one gateway operation crosses to the gateway and back. Production signs it with the
/// adapter, sends it over HTTP and reads the answer (`HTTPExchange`); engine tests answer from a
/// script and record the calls as values.
public protocol GatewayExchange: Sendable {
    func exchange(_ operation: GatewayOperation, with adapter: any GatewayAdapter, now: Timestamp, nonce: String) async -> GatewayExchangeResult
}

/// What crossing to the gateway gave: its outcome, a line on the request and answer, and the latency.
public struct GatewayExchangeResult: Sendable {
    public var outcome: GatewayOutcome
    public var detail: String?
    public var latencyMilliseconds: Int64?

    public init(outcome: GatewayOutcome, detail: String? = nil, latencyMilliseconds: Int64? = nil) {
        self.outcome = outcome
        self.detail = detail
        self.latencyMilliseconds = latencyMilliseconds
    }
}

/// The adapter builds and reads the bytes, the transport moves them.
public struct HTTPExchange: GatewayExchange {
    let transport: any HTTPTransport
    let timeoutMilliseconds: Int64

    public init(transport: any HTTPTransport = AsyncHTTPClientTransport(), timeoutMilliseconds: Int64 = 10_000) {
        self.transport = transport
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    public func exchange(_ operation: GatewayOperation, with adapter: any GatewayAdapter, now: Timestamp, nonce: String) async -> GatewayExchangeResult {
        let request: GatewayHTTPRequest
        do {
            request = try adapter.request(for: operation, now: now, nonce: nonce)
        } catch {
            return GatewayExchangeResult(outcome: .failed(GatewayFailure(error.kind == .unsupported ? .unsupported : .notSent, error.description)))
        }
        let started = ContinuousClock.now
        let result = await transport.send(request, timeoutMilliseconds: timeoutMilliseconds)
        let elapsed = started.duration(to: .now)
        let latency = elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        let requestLine = "\(request.method.rawValue) \(request.url) (\(request.body.count) bytes)"
        switch result {
        case .success(let response):
            return GatewayExchangeResult(
                outcome: adapter.interpret(response, to: operation), detail: "\(requestLine); HTTP \(response.status) (\(response.body.count) bytes)",
                latencyMilliseconds: latency)
        case .failure(let failure):
            return GatewayExchangeResult(outcome: .failed(failure), detail: requestLine, latencyMilliseconds: latency)
        }
    }
}

/// Performs gateway operations through an exchange, and records every call — answered, refused
/// or failed — as an outbound audit row with its latency.
public struct GatewayClient: Sendable {
    public let directory: GatewayDirectory
    let exchange: any GatewayExchange
    let clock: any PaySyncClock
    let logger: Logger
    /// Failed calls in a row per gateway and account: logged when a streak starts and when it ends.
    let streaks = FailureStreaks()
    /// The longest one call may take (0 for an exchange without a timeout of its own).
    public let callTimeoutMilliseconds: Int64
    let metrics: GatewayCallMetrics

    public init(
        directory: GatewayDirectory, transport: any HTTPTransport = AsyncHTTPClientTransport(), clock: any PaySyncClock, timeoutMilliseconds: Int64 = 10_000,
        metrics: GatewayCallMetrics = GatewayCallMetrics(), logger: Logger = Logger(label: "paysync.gateways")
    ) {
        self.init(
            directory: directory, exchange: HTTPExchange(transport: transport, timeoutMilliseconds: timeoutMilliseconds), clock: clock,
            callTimeoutMilliseconds: timeoutMilliseconds, metrics: metrics, logger: logger)
    }

    public init(
        directory: GatewayDirectory, exchange: any GatewayExchange, clock: any PaySyncClock, callTimeoutMilliseconds: Int64 = 0,
        metrics: GatewayCallMetrics = GatewayCallMetrics(), logger: Logger = Logger(label: "paysync.gateways")
    ) {
        self.directory = directory
        self.exchange = exchange
        self.clock = clock
        self.callTimeoutMilliseconds = callTimeoutMilliseconds
        self.metrics = metrics
        self.logger = logger
    }

    public func perform(_ operation: GatewayOperation, provider: ProviderID, account: MerchantAccountID = .default, orderID: OrderID?) async -> GatewayCall {
        let startedAt = clock.now()
        let result: GatewayExchangeResult
        if let adapter = directory.adapter(provider, account: account) {
            var random = SystemRandomNumberGenerator()
            let nonce = (0..<4).map { _ in String(random.next(), radix: 16) }.joined()
            result = await exchange.exchange(operation, with: adapter, now: startedAt, nonce: nonce)
        } else {
            result = GatewayExchangeResult(outcome: .failed(GatewayFailure(.unreachable, "no adapter configured for \(provider) in account \(account)")))
        }
        let outcome = result.outcome
        let (error, ending): (String?, String) =
            switch outcome {
            case .failed(let failure): (failure.description, "failed")
            case .refused(let code, let message): ("refused \(code): \(message)", "refused")
            case .answered: (nil, "answered")
            }
        hear(outcome, of: operation, provider: provider, account: account, orderID: orderID)
        metrics.record(outcome, of: operation, provider: provider, latencyMilliseconds: result.latencyMilliseconds)
        return GatewayCall(
            outcome: outcome,
            audit: AuditRecord(
                orderID: orderID, kind: .outbound, summary: "\(provider) \(operation.name) -> \(Self.describe(outcome))", detail: result.detail,
                latencyMilliseconds: result.latencyMilliseconds, error: error, operation: operation.name, outcome: ending, at: startedAt))
    }

    /// Logs the first failed call of a streak to a gateway (with the call's order and error) and
    /// the first answer after one; an operation the gateway does not offer is no failure.
    private func hear(_ outcome: GatewayOutcome, of operation: GatewayOperation, provider: ProviderID, account: MerchantAccountID, orderID: OrderID?) {
        let key = "\(account)/\(provider)"
        var metadata: Logger.Metadata = ["paysync.provider": "\(provider)", "paysync.account": "\(account)", "paysync.operation": "\(operation.name)"]
        if let orderID { metadata["paysync.order"] = "\(orderID)" }
        switch outcome {
        case .failed(let failure) where failure.kind == .unsupported:
            break
        case .failed(let failure):
            if streaks.failed(key) {
                metadata["error"] = "\(failure)"
                logger.warning("gateway calls failing", metadata: metadata)
            }
        case .answered, .refused:
            if let failures = streaks.succeeded(key) {
                metadata["paysync.failures"] = "\(failures)"
                logger.notice("gateway answering again", metadata: metadata)
            }
        }
    }

    /// Whether `provider`'s adapter for `account` can build `operation` (no I/O: gateways without a
    /// payout or cancel API say so here).
    public func supports(_ operation: GatewayOperation, provider: ProviderID, account: MerchantAccountID) -> Bool {
        guard let adapter = directory.adapter(provider, account: account) else { return false }
        do {
            _ = try adapter.request(for: operation, now: clock.now(), nonce: "probe")
            return true
        } catch {
            return error.kind != .unsupported
        }
    }

    /// A one-line account of an outcome for audit summaries.
    static func describe(_ outcome: GatewayOutcome) -> String {
        switch outcome {
        case .answered(let answer):
            switch answer {
            case .paymentCreated(let created): "created \(created.gatewayOrderNumber)"
            case .payment(let report): "payment \(report.state.rawValue) (\(report.providerStatus))"
            case .cancel(.closed(let status)): "closed (\(status))"
            case .cancel(.alreadyPaid(let status)): "refused: already paid (\(status))"
            case .refund(let report): "refund \(report.state.rawValue) (\(report.providerStatus))"
            case .payout(let report): "payout \(report.state.rawValue) (\(report.providerStatus))"
            case .utr(let report): "utr \(report.utr) settled=\(report.settled)"
            case .utrRepair(let accepted, _): "utr repair accepted=\(accepted)"
            case .balance(let balances): "balance \(balances.map(\.description).joined(separator: ", "))"
            }
        case .refused(let code, _): "refused \(code)"
        case .failed(let failure): "failed \(failure.kind.rawValue)"
        }
    }
}

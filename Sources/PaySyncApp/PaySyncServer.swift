import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import PaySyncCore
import PaySyncEngine
import PaySyncHTTP
import PaySyncPostgres
import PaySyncSQLite
import PaySyncStore
import PaySyncTransport
import ServiceLifecycle

/// The composition root: the one place the engine, a store and the HTTP app are wired together
/// from a configuration, for the server, the demo and the tests.
public enum PaySyncServer {
    /// This instance's lease-owner name: host and process id.
    static func instanceName() -> String {
        "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Opens the store `database.url` names — a `postgres://` (or `postgresql://`) URL is a
    /// PostgreSQL database shared by several instances; anything else is a SQLite file path — with
    /// the service that runs and closes it in the server's group: PostgreSQL's pool (which migrates
    /// the schema as it starts), or the closer of the SQLite file.
    /// `ready` returns once the store can serve (PostgreSQL: reached and migrated by its service).
    public static func openStore(_ configuration: PaySyncConfiguration, currencies: CurrencyRegistry, logger: Logger) throws -> (
        store: any PaySyncStore, service: any Service, ready: @Sendable () async throws -> Void
    ) {
        let url = configuration.database
        if configuration.databaseIsPostgres {
            var postgresLogger = logger
            postgresLogger.logLevel = max(logger.logLevel, .error)
            let store = try PostgresStore(url: url, currencies: currencies, logger: postgresLogger)
            return (store, store, { try await store.ready() })
        }
        let store = try SQLiteStore(path: url, currencies: currencies)
        return (store, StoreCloser(store: store, logger: logger), {})
    }

    /// The store `database.url` names, opened and ready, for a command that uses it and closes
    /// it (`paysync operators`).
    public static func connectStore(_ configuration: PaySyncConfiguration) async throws -> any PaySyncStore {
        if configuration.databaseIsPostgres { return try await PostgresStore.connect(url: configuration.database) }
        return try SQLiteStore(path: configuration.database)
    }

    /// The whole server as one application: HTTP plus a service that closes the store after the
    /// server has drained on graceful shutdown (SIGTERM, SIGINT).
    /// - Parameters:
    ///   - gateways: the adapters; `nil` builds them from `configuration.gateways`.
    ///   - services: more services to run in the same group (an in-process sandbox), started first.
    public static func buildApplication(
        configuration: PaySyncConfiguration, gateways: GatewayDirectory? = nil, services: [any Service] = [], clock: any PaySyncClock = SystemClock(),
        logger: Logger
    ) async throws -> some ApplicationProtocol {
        guard let token = configuration.apiToken, !token.isEmpty else {
            throw ConfigurationError("api.token is required: set PAYSYNC_API_TOKEN or \"api\": {\"token\": …} in the config file")
        }
        let policy = try configuration.orderPolicy()
        let directory = try gateways ?? configuration.gateways.directory(accounts: policy.accounts, currencies: policy.currencies)
        let (store, storeService, storeReady) = try openStore(configuration, currencies: policy.currencies, logger: logger)
        let instance = PaySyncInstance(
            store: store, directory: directory, clock: clock, policy: policy, callbacks: CallbackAddress(configuration.effectiveCallbackBaseURL),
            gatewayTimeoutMilliseconds: Int64(configuration.gateways.timeoutMilliseconds), maxBodyBytes: configuration.maxBodyBytes,
            reconcilerPolicy: configuration.reconcilerPolicy, deliveryPolicy: configuration.delivery, endpointRules: configuration.endpointRules,
            owner: Self.instanceName(), logger: logger)
        let router = instance.router(apiToken: token, metricsToken: configuration.metricsToken, console: configuration.console)
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "PaySync"),
            // Started in this order, shut down in the reverse: the store outlives everything that uses it.
            services: services + [storeService, InboxReplayer(ingestor: instance.ingestor, logger: logger), instance.reconciler, instance.deliverer],
            onServerRunning: { channel in
                // One line on standard output once the port is bound: how a supervisor (or a test)
                // knows this process, and not another, is the one listening.
                let port = channel.localAddress?.port ?? configuration.port
                FileHandle.standardOutput.write(Data("paysync: listening on \(configuration.host):\(port)\n".utf8))
            },
            logger: logger
        )
        // PostgreSQL's pool starts, and migrates, as a service of the group: the port is bound only
        // once the store is ready (or the start fails with its error).
        app.beforeServerStarts(perform: storeReady)
        return app
    }
}

/// The engine over one store, gateway directory and clock, wired the one way the server, the demo
/// and the tests run it: order service, callback ingestor, reconciler, verifier and refunds.
public struct PaySyncInstance: Sendable {
    public let store: any PaySyncStore
    public let clock: any PaySyncClock
    public let service: OrderService
    public let ingestor: Ingestor
    public let reconciler: Reconciler
    public let verifier: Verifier
    public let refunds: RefundService
    public let payouts: PayoutService
    public let utr: UTRService
    public let reviews: ReviewService
    public let endpoints: EndpointService
    public let events: EventService
    /// The console's operators and sessions.
    public let operators: OperatorService
    /// Counts of the whole system: the console's front page and stuck page, and the metrics.
    public let operations: OperationsService
    /// Sends committed events to the merchant's endpoints.
    public let deliverer: EventDeliverer
    public let registry: PrometheusCollectorRegistry
    let maxBodyBytes: Int

    public init(
        store: any PaySyncStore, directory: GatewayDirectory, clock: any PaySyncClock, policy: OrderPolicy, callbacks: CallbackAddress,
        gatewayTimeoutMilliseconds: Int64 = 10_000, maxBodyBytes: Int = 65_536, reconcilerPolicy: ReconcilerPolicy = ReconcilerPolicy(),
        deliveryPolicy: DeliveryPolicy = DeliveryPolicy(), endpointRules: EndpointService.Rules = EndpointService.Rules(),
        eventTransport: any HTTPTransport = AsyncHTTPClientTransport(maximumBodyBytes: 65_536), passwordCost: UInt8 = 12, owner: String,
        logger: Logger = Logger(label: "paysync")
    ) {
        self.store = store
        self.clock = clock
        self.maxBodyBytes = maxBodyBytes
        registry = PrometheusCollectorRegistry()
        let client = GatewayClient(
            directory: directory, clock: clock, timeoutMilliseconds: gatewayTimeoutMilliseconds,
            metrics: GatewayCallMetrics(factory: PrometheusMetricsFactory(registry: registry)), logger: logger)
        refunds = RefundService(store: store, gateways: client, clock: clock, callbacks: callbacks, logger: logger)
        payouts = PayoutService(store: store, gateways: client, clock: clock, callbacks: callbacks)
        let operationsMetrics = OperationsMetrics(factory: PrometheusMetricsFactory(registry: registry))
        operations = OperationsService(store: store, clock: clock, metrics: operationsMetrics, logger: logger)
        let reconciler = Reconciler(
            store: store, gateways: client, clock: clock, schedules: policy, policy: reconcilerPolicy, refunds: refunds, payouts: payouts, owner: owner,
            metrics: operationsMetrics, logger: logger)
        let verifier = Verifier(store: store, reconciler: reconciler, clock: clock, logger: logger)
        let refundLatePayment: (@Sendable (MerchantAccountID, String) async -> Void)?
        if reconcilerPolicy.refundPaidAfterClose {
            refundLatePayment = { [refunds] account, number in
                do {
                    _ = try await refunds.refundLatePayment(account: account, merchantOrderNumber: number)
                } catch {
                    logger.error("late-payment refund failed", metadata: ["paysync.account": "\(account)", "paysync.order_number": "\(number)", "error": "\(error)"])
                }
            }
        } else {
            refundLatePayment = nil
        }
        ingestor = Ingestor(
            store: store, clock: clock, directory: directory, accounts: policy.accounts,
            metrics: IngestMetrics(factory: PrometheusMetricsFactory(registry: registry)), maxBodyBytes: maxBodyBytes,
            onUnverified: { await verifier.queryRateLimited($0, after: "an unverified callback") }, onLatePayment: refundLatePayment, logger: logger)
        service = OrderService(store: store, clock: clock, policy: policy, gateways: client, ingestor: ingestor, callbacks: callbacks)
        reviews = ReviewService(store: store, clock: clock)
        endpoints = EndpointService(store: store, clock: clock, rules: endpointRules)
        let eventMetrics = EventMetrics(factory: PrometheusMetricsFactory(registry: registry))
        events = EventService(store: store, clock: clock, metrics: eventMetrics, logger: logger)
        // Endpoints that may not be private are checked again at each attempt, by what their host resolves to.
        deliverer = EventDeliverer(
            store: store, transport: endpointRules.allowPrivateAddresses ? eventTransport : PublicAddressesOnly(eventTransport), clock: clock,
            policy: deliveryPolicy, metrics: eventMetrics, logger: logger)
        utr = UTRService(store: store, gateways: client, verifier: verifier, clock: clock)
        operators = OperatorService(store: store, clock: clock, cost: passwordCost)
        self.reconciler = reconciler
        self.verifier = verifier
    }

    /// The services the HTTP routes use.
    public var services: PaySyncServices {
        PaySyncServices(
            orders: service, reviews: reviews, verifier: verifier, refunds: refunds, payouts: payouts, endpoints: endpoints, events: events,
            inbox: InboxService(store: store, ingestor: ingestor, clock: clock), utr: utr, operators: operators, operations: operations)
    }

    /// The HTTP routes over this instance, `/v1/…` behind `apiToken`, `/metrics` behind
    /// `metricsToken` when there is one, `/console/…` behind operators' sessions.
    public func router(apiToken: String, metricsToken: String? = nil, console: ConsoleSettings = ConsoleSettings()) -> Router<PaySyncRequestContext> {
        PaySyncRoutes.router(services, apiToken: apiToken, maxBodyBytes: maxBodyBytes, metrics: registry, metricsToken: metricsToken, console: console)
    }
}

/// Closes the store once graceful shutdown begins. Listed before the HTTP server in the service
/// group, it is shut down after it, so in-flight requests finish before the database closes.
struct StoreCloser: Service {
    let store: any PaySyncStore
    let logger: Logger

    func run() async throws {
        // Returns on graceful shutdown, or throws when the group is canceled: close either way.
        do { try await gracefulShutdown() } catch { logger.notice("closing the database on cancellation") }
        try await store.close()
        logger.info("database closed")
    }
}

/// At start-up, resolves again the callbacks a crash left recorded but unresolved.
struct InboxReplayer: Service {
    let ingestor: Ingestor
    let logger: Logger

    func run() async throws {
        let count = try await ingestor.replayUnresolved()
        if count > 0 { logger.notice("replayed callbacks a previous run left unresolved", metadata: ["count": "\(count)"]) }
        // Done; stay in the group until it shuts down (a canceled group ends this at once).
        do { try await gracefulShutdown() } catch { return }
    }
}

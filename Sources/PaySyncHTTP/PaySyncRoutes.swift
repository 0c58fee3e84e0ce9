import Hummingbird
import NIOCore
import PaySyncEngine
import Prometheus

/// The engine's services, as the HTTP routes use them: controllers talk to these, never to the store.
public struct PaySyncServices: Sendable {
    public let orders: OrderService
    public let reviews: ReviewService
    public let verifier: Verifier
    public let refunds: RefundService
    public let payouts: PayoutService
    public let endpoints: EndpointService
    public let events: EventService
    public let inbox: InboxService
    public let utr: UTRService
    public let operators: OperatorService
    public let operations: OperationsService

    public init(
        orders: OrderService, reviews: ReviewService, verifier: Verifier, refunds: RefundService, payouts: PayoutService, endpoints: EndpointService,
        events: EventService, inbox: InboxService, utr: UTRService, operators: OperatorService, operations: OperationsService
    ) {
        self.orders = orders
        self.reviews = reviews
        self.verifier = verifier
        self.refunds = refunds
        self.payouts = payouts
        self.endpoints = endpoints
        self.events = events
        self.inbox = inbox
        self.utr = utr
        self.operators = operators
        self.operations = operations
    }
}

/// The HTTP face of PaySync: `/health` and `/metrics` open, `/callbacks/…` authenticated by the
/// gateways' signatures, `/v1/…` behind the bearer token, `/console/…` behind operators' sessions.
public enum PaySyncRoutes {
    public static func router(
        _ services: PaySyncServices, apiToken: String, maxBodyBytes: Int, metrics: PrometheusCollectorRegistry? = nil, metricsToken: String? = nil,
        console: ConsoleSettings = ConsoleSettings()
    ) -> Router<PaySyncRequestContext> {
        let router = Router(context: PaySyncRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.get("health") { _, _ in try json(["status": "ok"], status: .ok) }
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try OpenAPIDocument.bytes())))
        }
        if let metrics {
            // Open, or behind its own bearer token (`metrics.token`): a scraper never holds the API's.
            let scrape = metricsToken.map { router.group("metrics").add(middleware: BearerAuthMiddleware(token: $0)) } ?? router.group("metrics")
            scrape.get { _, _ in
                await services.events.refreshMetrics()
                await services.operations.refreshMetrics()
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
            }
        }
        CallbackController<PaySyncRequestContext>(ingestor: services.orders.ingestor).addRoutes(to: router)
        let v1 = router.group("v1").add(middleware: BearerAuthMiddleware(token: apiToken))
        OrderController<PaySyncRequestContext>(
            service: services.orders, verifier: services.verifier, refunds: services.refunds, utr: services.utr, maxBodyBytes: maxBodyBytes
        )
            .addRoutes(to: v1)
        ReviewController<PaySyncRequestContext>(reviews: services.reviews, maxBodyBytes: maxBodyBytes).addRoutes(to: v1)
        PayoutController<PaySyncRequestContext>(payouts: services.payouts, currencies: services.orders.policy.currencies, maxBodyBytes: maxBodyBytes)
            .addRoutes(to: v1)
        EndpointController<PaySyncRequestContext>(endpoints: services.endpoints, events: services.events, maxBodyBytes: maxBodyBytes).addRoutes(to: v1)
        EventController<PaySyncRequestContext>(events: services.events).addRoutes(to: v1)
        InboxController<PaySyncRequestContext>(inbox: services.inbox).addRoutes(to: v1)
        ConsoleController(services: services, operators: services.operators, settings: console).addRoutes(to: router)
        return router
    }
}

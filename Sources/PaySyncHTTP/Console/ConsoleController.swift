import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import PaySyncCore
import PaySyncEngine
import PaySyncStore

/// The operator console under `/console` (docs/console.md): server-rendered pages over the same
/// services as the API. Viewers read; operators also act, each action asking for a reason and
/// audited with their name.
struct ConsoleController: Sendable {
    let services: PaySyncServices
    let operators: OperatorService
    let settings: ConsoleSettings

    func addRoutes(to router: Router<PaySyncRequestContext>) {
        let console = router.group("console", context: ConsoleRequestContext.self)
            .add(middleware: ConsoleErrorMiddleware())
            .add(middleware: SessionMiddleware(storage: ConsoleSessionDriver(operators: operators), configuration: settings.sessionConfiguration))
        console.get("login", use: loginPage)
        console.post("login", use: signIn)
        let pages = console.group().add(middleware: ConsoleGuard(operators: operators))
        pages.get(use: home)
        pages.post("logout", use: signOut)
        pages.get("orders", use: orders)
        pages.get("orders.csv", use: ordersCSV)
        pages.get("orders/{id}", use: order)
        pages.get("reviews", use: reviews)
        pages.get("inbox", use: inbox)
        pages.get("inbox/{id}", use: inboxEntry)
        pages.get("stuck", use: stuck)
        pages.get("events", use: events)
        pages.get("events/{id}", use: event)
        let actions = pages.group().add(middleware: RequireOperatorRole())
        actions.post("orders/{id}/cancel", use: cancel)
        actions.post("orders/{id}/refund", use: refund)
        actions.post("orders/{id}/verify", use: verify)
        actions.post("reviews/{id}/resolve", use: resolve)
        actions.post("inbox/{id}/replay", use: replay)
        actions.post("events/{id}/redeliver", use: redeliver)
        actions.post("endpoints/{id}/recover", use: recover)
    }

    // MARK: Signing in and out

    /// The sign-in form's own CSRF token travels in this cookie and in the form (double submit):
    /// there is no session yet to keep it in.
    static let loginCookie = "paysync_login"

    struct LoginModel {
        let chrome: ConsolePage.Chrome
        let token: String
        let name: String
        let message: String?
    }

    @Sendable func loginPage(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        if let session = context.sessions.session, try await operators.find(name: session.operatorName) != nil {
            return ConsolePage.redirect("/console")
        }
        return try loginForm(context: context, name: "", message: nil, status: .ok)
    }

    private func loginForm(context: ConsoleRequestContext, name: String, message: String?, status: HTTPResponse.Status) throws -> Response {
        let token = randomToken()
        let cookie = Cookie(
            name: Self.loginCookie, value: token, maxAge: 3_600, path: "/console/login", secure: settings.secureCookie, httpOnly: true,
            sameSite: .strict)
        return try ConsolePage.render(
            "login", LoginModel(chrome: .init("Sign in", context: context), token: token, name: name, message: message), status: status,
            headers: [.setCookie: cookie.description])
    }

    @Sendable func signIn(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm(request: &request, context: context)
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        guard let sent = form["csrf"], let expected = request.cookies[Self.loginCookie]?.value,
            BearerAuthMiddleware<ConsoleRequestContext>.constantTimeEqual(Array(sent.utf8), Array(expected.utf8))
        else {
            return try loginForm(context: context, name: name, message: "The form expired or carried no valid token; sign in again.", status: .forbidden)
        }
        let signedIn: ConsoleOperator
        do {
            signedIn = try await operators.signIn(name: name, password: form["password"] ?? "", address: context.address)
        } catch let error as PaySyncError where error.kind == .unauthorized || error.kind == .rateLimited {
            context.logger.notice("console sign-in refused", metadata: ["paysync.operator": "\(name)", "paysync.address": "\(context.address)", "reason": "\(error.code)"])
            return try loginForm(context: context, name: name, message: error.message, status: APIError(error).status)
        }
        context.sessions.createSession(ConsoleSession(operatorName: signedIn.name, csrf: randomToken()), expiresIn: settings.sessionDuration)
        context.logger.info("console sign-in", metadata: ["paysync.operator": "\(signedIn.name)", "paysync.address": "\(context.address)"])
        return ConsolePage.redirect("/console")
    }

    @Sendable func signOut(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        context.sessions.clearSession()
        return ConsolePage.redirect("/console/login")
    }

    // MARK: Front page

    /// One period's counts on the front page.
    struct PeriodRow {
        let label: String
        let created: Int
        let paid: Int
        let open: Int
        let failed: Int
        let refusedCallbacks: Int

        init(_ label: String, _ period: OperationsSummary.Period) {
            self.label = label
            let count = { (statuses: [OrderStatus]) in statuses.reduce(0) { $0 + (period.ordersByStatus[$1] ?? 0) } }
            created = period.ordersByStatus.values.reduce(0, +)
            paid = count([.paid])
            open = count([.created, .pending, .closing])
            failed = count([.failed, .expired, .canceled])
            refusedCallbacks = period.refusedCallbacks
        }
    }

    struct HomeModel {
        let chrome: ConsolePage.Chrome
        let periods: [PeriodRow]
        let openReviews: Int
        let checksDue: Int
        let checksOverdue: Int
        let stuckOrders: Int
        let failedDeliveries: Int
        let recent: [OrderRow]
    }

    @Sendable func home(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let summary = try await services.operations.summary()
        let labels = ["Today (UTC)", "Last hour"]
        let recent = try await services.orders.list(OrderQuery(limit: 10)).orders.map(OrderRow.init)
        return try ConsolePage.render(
            "home",
            HomeModel(
                chrome: .init("PaySync console", context: context), periods: zip(labels, summary.periods).map { PeriodRow($0, $1) },
                openReviews: summary.openReviews.values.reduce(0, +), checksDue: summary.checksDue, checksOverdue: summary.checksOverdue,
                stuckOrders: summary.stuckOrders, failedDeliveries: summary.failedDeliveries, recent: recent))
    }

    // MARK: Stuck

    struct CheckRow {
        let order: OrderRow
        let failures: Int
        /// Mustache renders a section for any number, 0 too: templates test this instead.
        let failing: Bool
        let rung: Int
        let nextAt: String
        let late: String

        init(_ order: Order, now: Timestamp) {
            self.order = OrderRow(order)
            failures = order.check?.failures ?? 0
            failing = failures > 0
            rung = order.check?.rung ?? 0
            nextAt = order.check?.nextAt.iso8601 ?? ""
            late = order.check.map { ConsoleController.age(from: $0.nextAt, to: now) } ?? ""
        }
    }

    struct StuckModel {
        let chrome: ConsolePage.Chrome
        let stuckFailures: Int
        let stuck: [CheckRow]
        let due: [CheckRow]
    }

    @Sendable func stuck(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let backlog = try await services.operations.backlog()
        let now = services.operations.now
        return try ConsolePage.render(
            "stuck",
            StuckModel(
                chrome: .init("Stuck", context: context), stuckFailures: services.operations.policy.stuckFailures,
                stuck: backlog.stuck.map { CheckRow($0, now: now) }, due: backlog.due.map { CheckRow($0, now: now) }))
    }

    // MARK: Orders

    struct OrderRow {
        let id: String
        let createdAt: String
        let account: String
        let number: String
        let gatewayNumber: String?
        let provider: String
        let amount: String
        let status: String

        init(_ order: Order) {
            id = order.id.rawValue
            createdAt = order.createdAt.iso8601
            account = order.account.rawValue
            number = order.merchantOrderNumber.rawValue
            gatewayNumber = order.gatewayOrderNumber
            provider = order.provider.rawValue
            amount = "\(order.amount.decimalString) \(order.amount.currency.code)"
            status = order.status.rawValue
        }
    }

    struct Choice {
        let value: String
        let selected: Bool
    }

    struct OrdersModel {
        let chrome: ConsolePage.Chrome
        let filter: [String: String]
        let statuses: [Choice]
        let providers: [Choice]
        let orders: [OrderRow]
        let nextLink: String?
        let csvLink: String
        let empty: Bool
    }

    /// The orders filter's fields as the page's form sends them (empty ones absent), without the cursor.
    private func filterFields(_ request: Request) -> [(String, String)] {
        request.uri.queryParameters.map { (String($0.key), String($0.value)) }.filter { !$0.1.isEmpty && $0.0 != "cursor" }
    }

    private func query(_ fields: [(String, String)], cursor: Substring?) throws -> OrderQuery {
        var query = try OrderQuery(parameters: fields, ignoringEmpty: true)
        if let cursor, !cursor.isEmpty {
            guard let after = OrderCursor(token: String(cursor)) else { throw ConsolePage.Failure(.badRequest, "the page cursor is not one the console issued") }
            query.after = after
        }
        return query
    }

    @Sendable func orders(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let fields = filterFields(request)
        let page = try await services.orders.list(try query(fields, cursor: request.uri.queryParameters["cursor"]))
        let filter = Dictionary(fields, uniquingKeysWith: { _, last in last })
        let encoded = Self.queryString(fields)
        return try ConsolePage.render(
            "orders",
            OrdersModel(
                chrome: .init("Orders", context: context), filter: filter,
                statuses: OrderStatus.allCases.map { Choice(value: $0.rawValue, selected: filter["status"] == $0.rawValue) },
                providers: services.orders.policy.providers.sorted { $0.rawValue < $1.rawValue }.map { Choice(value: $0.rawValue, selected: filter["provider"] == $0.rawValue) },
                orders: page.orders.map(OrderRow.init),
                nextLink: page.next.map { "/console/orders?" + Self.queryString(fields + [("cursor", $0.token)]) },
                csvLink: "/console/orders.csv" + (encoded.isEmpty ? "" : "?" + encoded), empty: page.orders.isEmpty))
    }

    /// The filtered list as CSV, every page of it, streamed.
    @Sendable func ordersCSV(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        var query = try query(filterFields(request), cursor: nil)
        query.limit = 500
        let first = try await services.orders.list(query)
        let service = services.orders
        let body = ResponseBody { [query] writer in
            var query = query
            var page = first
            try await writer.write(ByteBuffer(string: "id,account,merchant_order_number,gateway_order_number,provider,amount,amount_minor,currency,status,created_at,updated_at\r\n"))
            while true {
                var chunk = ""
                for order in page.orders { chunk += Self.csvLine(order) }
                try await writer.write(ByteBuffer(string: chunk))
                guard let next = page.next else { break }
                query.after = next
                page = try await service.list(query)
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"orders.csv\"", .cacheControl: "no-store"],
            body: body)
    }

    /// One order as a CSV line (RFC 4180), every text field quoted; a cell that a spreadsheet
    /// would read as a formula is prefixed with a quote mark.
    static func csvLine(_ order: Order) -> String {
        let cells = [
            order.id.rawValue, order.account.rawValue, order.merchantOrderNumber.rawValue, order.gatewayOrderNumber ?? "", order.provider.rawValue,
            order.amount.decimalString, String(order.amount.minorUnits), order.amount.currency.code, order.status.rawValue, order.createdAt.iso8601,
            order.updatedAt.iso8601,
        ]
        return cells.map(csvCell).joined(separator: ",") + "\r\n"
    }

    static func csvCell(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@\t\r".contains(first), Int64(text) == nil, Decimal(string: text) == nil { text = "'" + text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func queryString(_ fields: [(String, String)]) -> String {
        fields.map { "\(Self.percentEncoded($0.0))=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
    }

    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    struct OrderModel {
        let chrome: ConsolePage.Chrome
        let order: OrderResource
        /// The order's scheduled check (ladder, close or watch), when it has one.
        let check: CheckRow?
        let canCancel: Bool
        let canRefund: Bool
        let refunds: [RefundResource]
        /// The events the merchant is sent about this order, in commit order.
        let events: [EventRow]
        let timeline: [TimelineEntryBody]
        let notice: String?
    }

    @Sendable func order(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let id = try orderID(context)
        let order = try await services.orders.order(id: id)
        let notice = request.uri.queryParameters["done"].flatMap { Self.notices[String($0)] }
        let events = try await services.events.list(EventQuery(account: order.account, orderID: id, limit: 100)).events
        return try ConsolePage.render(
            "order",
            OrderModel(
                chrome: .init("Order \(order.merchantOrderNumber)", context: context), order: OrderResource(order),
                check: order.check.map { _ in CheckRow(order, now: services.operations.now) },
                canCancel: !order.status.isSettledAttempt, canRefund: order.status == .paid,
                refunds: try await services.orders.refunds(id: id).map(RefundResource.init), events: events.map(EventRow.init),
                timeline: try await services.orders.timeline(id: id).map(TimelineEntryBody.init), notice: notice))
    }

    /// What an action's redirect says on the order page (`?done=`): fixed sentences, never text from the URL.
    static let notices = [
        "cancel": "Cancel requested.", "refund": "Refund requested.", "verify": "Verified with the gateway.", "replay": "Callback replayed.",
        "redeliver": "The event will be sent again.", "recover": "The endpoint's events since then will be sent again.",
    ]

    private func orderID(_ context: ConsoleRequestContext) throws -> OrderID {
        guard let id = OrderID(rawValue: try context.parameters.require("id")) else { throw ConsolePage.Failure(.notFound, "no such order") }
        return id
    }

    @Sendable func cancel(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm(request: &request, context: context)
        let reason = try form.required("reason", "a reason for the cancel")
        let id = try orderID(context)
        let (decision, order) = try await services.orders.cancel(id: id)
        let outcome: String
        switch decision {
        case .refused(let refusal): outcome = "refused (\(refusal.rawValue)); the order is \(order.status.rawValue)"
        case .transition, .unchanged, .review: outcome = order.status.rawValue
        }
        try await operators.audit("cancel", on: id, by: try context.signedIn(), reason: reason, outcome: outcome)
        if case .refused = decision {
            throw ConsolePage.Failure(.conflict, "order \(order.merchantOrderNumber) is \(order.status.rawValue); it cannot be canceled")
        }
        return ConsolePage.redirect("/console/orders/\(id.rawValue)?done=cancel")
    }

    @Sendable func refund(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm(request: &request, context: context)
        let reason = try form.required("reason", "a reason for the refund")
        let amountText = try form.required("amount", "the amount to refund")
        let id = try orderID(context)
        let order = try await services.orders.order(id: id)
        let amount: Money
        do { amount = try Money(parsing: amountText, currency: order.amount.currency) } catch {
            throw ConsolePage.Failure(.badRequest, "the amount \(amountText) is not an amount of \(order.amount.currency.code): \(error)")
        }
        let refund = try await services.refunds.refund(orderID: id, amount: amount, reason: reason, refundNumber: nil)
        try await operators.audit(
            "refund", on: id, by: try context.signedIn(), reason: reason, outcome: "\(refund.refundNumber) \(amount.decimalString) \(refund.status.rawValue)")
        return ConsolePage.redirect("/console/orders/\(id.rawValue)?done=refund")
    }

    @Sendable func verify(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm(request: &request, context: context)
        let reason = try form.required("reason", "a reason to verify")
        let id = try orderID(context)
        let (order, display) = try await services.verifier.verify(id, report: nil, waitMilliseconds: 0)
        try await operators.audit("verify", on: id, by: try context.signedIn(), reason: reason, outcome: "\(order.status.rawValue) (\(display.rawValue))")
        return ConsolePage.redirect("/console/orders/\(id.rawValue)?done=verify")
    }

    // MARK: Reviews

    struct ReviewRow {
        let id: Int64
        let orderId: String
        let reason: String
        let detail: String
        let openedAt: String
        let age: String
        let resolvedBy: String?
        let note: String?
        let open: Bool
    }

    struct ReviewsModel {
        let chrome: ConsolePage.Chrome
        let showingResolved: Bool
        let items: [ReviewRow]
        let byReason: [ReasonCount]
        let empty: Bool
    }

    struct ReasonCount {
        let reason: String
        let count: Int
    }

    @Sendable func reviews(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let showingResolved = request.uri.queryParameters["status"] == "resolved"
        let items = try await services.reviews.list(status: showingResolved ? .resolved : .open)
        let now = services.reviews.clock.now()
        let rows = items.map { item in
            ReviewRow(
                id: item.id, orderId: item.orderID.rawValue, reason: item.reason.rawValue, detail: item.detail, openedAt: item.openedAt.iso8601,
                age: Self.age(from: item.openedAt, to: now), resolvedBy: item.resolvedBy, note: item.note, open: item.status == .open)
        }
        let counts = Dictionary(grouping: items, by: \.reason.rawValue).map { ReasonCount(reason: $0.key, count: $0.value.count) }
            .sorted { ($0.count, $1.reason) > ($1.count, $0.reason) }
        return try ConsolePage.render(
            "reviews",
            ReviewsModel(chrome: .init("Review queue", context: context), showingResolved: showingResolved, items: rows, byReason: counts, empty: rows.isEmpty))
    }

    /// `3d 4h`, `2h 5m`, `7m`: how long an item has waited.
    static func age(from start: Timestamp, to now: Timestamp) -> String {
        let minutes = max(0, now.millisecondsSinceEpoch - start.millisecondsSinceEpoch) / 60_000
        if minutes >= 1_440 { return "\(minutes / 1_440)d \(minutes % 1_440 / 60)h" }
        if minutes >= 60 { return "\(minutes / 60)h \(minutes % 60)m" }
        return "\(minutes)m"
    }

    @Sendable func resolve(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm(request: &request, context: context)
        let note = try form.required("note", "a note saying what was decided")
        guard let id = Int64(try context.parameters.require("id")) else { throw ConsolePage.Failure(.notFound, "review ids are numbers") }
        _ = try await services.reviews.resolve(id: id, by: try context.signedIn().name, note: note)
        return ConsolePage.redirect("/console/reviews")
    }

    // MARK: Inbox

    struct InboxModel {
        let chrome: ConsolePage.Chrome
        let verdicts: [Choice]
        let providers: [Choice]
        let reason: String
        let entries: [InboxEntryRow]
        let nextLink: String?
        let empty: Bool
    }

    struct InboxEntryRow {
        let summary: InboxEntrySummary
        let replayable: Bool
    }

    @Sendable func inbox(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        var query = InboxQuery()
        query.limit = 50
        let verdictText = parameters["verdict"].map(String.init) ?? "rejected"
        if !verdictText.isEmpty {
            guard let verdict = InboxVerdict(rawValue: verdictText) else { throw ConsolePage.Failure(.badRequest, "no verdict \(verdictText)") }
            query.verdict = verdict
        }
        let providerText = parameters["provider"].map(String.init) ?? ""
        if !providerText.isEmpty {
            do { query.provider = try ProviderID(providerText) } catch { throw ConsolePage.Failure(.badRequest, "no gateway \(providerText)") }
        }
        let reason = parameters["reason"].map(String.init) ?? ""
        if !reason.isEmpty { query.reason = reason }
        if let before = parameters["before"], !before.isEmpty {
            guard let id = Int64(String(before)) else { throw ConsolePage.Failure(.badRequest, "the page cursor is not one the console issued") }
            query.beforeID = id
        }
        let page = try await services.inbox.list(query)
        let fields = [("verdict", verdictText), ("provider", providerText), ("reason", reason)]
        return try ConsolePage.render(
            "inbox",
            InboxModel(
                chrome: .init("Inbox", context: context),
                verdicts: [Choice(value: "", selected: verdictText.isEmpty)] + InboxVerdict.allCases.map { Choice(value: $0.rawValue, selected: $0.rawValue == verdictText) },
                providers: services.orders.policy.providers.sorted { $0.rawValue < $1.rawValue }.map { Choice(value: $0.rawValue, selected: $0.rawValue == providerText) }, reason: reason,
                entries: page.entries.map { InboxEntryRow(summary: .init($0), replayable: Self.replayable($0)) },
                nextLink: page.next.map { "/console/inbox?" + Self.queryString(fields + [("before", String($0))]) }, empty: page.entries.isEmpty))
    }

    static func replayable(_ entry: InboxEntry) -> Bool {
        InboxService.replayable.contains(entry.verdict) && !(entry.reason.map(InboxService.partialBodies.contains) ?? false)
    }

    struct InboxEntryModel {
        let chrome: ConsolePage.Chrome
        let entry: InboxEntrySummary
        let headers: [Header]
        let body: String
        let bodyEncoding: String
        let replayable: Bool
        let notice: String?
    }

    struct Header {
        let name: String
        let value: String
    }

    @Sendable func inboxEntry(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        guard let id = Int64(try context.parameters.require("id")) else { throw ConsolePage.Failure(.notFound, "inbox ids are numbers") }
        let entry = try await services.inbox.get(id: id)
        let text = String(validating: entry.body, as: UTF8.self)
        return try ConsolePage.render(
            "inbox-entry",
            InboxEntryModel(
                chrome: .init("Callback \(id)", context: context), entry: .init(entry),
                headers: entry.headers.sorted { $0.key < $1.key }.map { Header(name: $0.key, value: $0.value) },
                body: text ?? Data(entry.body).base64EncodedString(), bodyEncoding: text == nil ? "base64" : "utf-8", replayable: Self.replayable(entry),
                notice: request.uri.queryParameters["done"].flatMap { Self.notices[String($0)] }))
    }

    @Sendable func replay(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm(request: &request, context: context)
        let reason = try form.required("reason", "a reason for the replay")
        guard let id = Int64(try context.parameters.require("id")) else { throw ConsolePage.Failure(.notFound, "inbox ids are numbers") }
        _ = try await services.inbox.replay(id: id, by: "\(try context.signedIn().name) in the console", reason: reason)
        return ConsolePage.redirect("/console/inbox/\(id)?done=replay")
    }

    // MARK: Events

    struct EndpointRow {
        let id: String
        let account: String
        let url: String
        let enabled: Bool
        let state: String
        let failingSince: String?
        let description: String
    }

    struct EventRow {
        let id: String
        let type: String
        let account: String
        let occurredAt: String
        let orderId: String?

        init(_ event: OutboxEvent) {
            id = event.id
            type = event.type.rawValue
            account = event.account.rawValue
            occurredAt = event.occurredAt.iso8601
            orderId = event.orderID?.rawValue
        }
    }

    struct EventsModel {
        let chrome: ConsolePage.Chrome
        let endpoints: [EndpointRow]
        let undelivered: [EventRow]
        let failedDeliveries: Int
        let notice: String?
    }

    @Sendable func events(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let endpoints = try await services.endpoints.list(account: nil)
        var undelivered: [EventRow] = []
        for account in services.orders.policy.accounts.sorted(by: { $0.rawValue < $1.rawValue }) {
            var query = EventQuery(account: account)
            query.delivered = .no
            query.limit = 50
            undelivered += try await services.events.list(query).events.map(EventRow.init)
        }
        let summary = try await services.operations.summary()
        return try ConsolePage.render(
            "events",
            EventsModel(
                chrome: .init("Events", context: context),
                endpoints: endpoints.map { endpoint in
                    let (state, reason) = endpoint.state.columns
                    return EndpointRow(
                        id: endpoint.id, account: endpoint.account.rawValue, url: endpoint.url, enabled: reason == nil,
                        state: state + (reason.map { " (\($0))" } ?? ""), failingSince: endpoint.failingSince?.iso8601, description: endpoint.description)
                }, undelivered: undelivered, failedDeliveries: summary.failedDeliveries,
                notice: request.uri.queryParameters["done"].flatMap { Self.notices[String($0)] }))
    }

    struct DeliveryRow {
        let endpointId: String
        let status: String
        let attempts: Int
        let nextAttemptAt: String?
    }

    struct AttemptRow {
        let endpointId: String
        let number: Int
        let at: String
        let statusCode: Int?
        let error: String?
        let latencyMs: Int64
        let response: String
    }

    struct EventModel {
        let chrome: ConsolePage.Chrome
        let event: EventRow
        let payload: String
        let deliveries: [DeliveryRow]
        let attempts: [AttemptRow]
        let notice: String?
    }

    @Sendable func event(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let event = try await services.events.get(id: id)
        return try ConsolePage.render(
            "event",
            EventModel(
                chrome: .init("Event \(id)", context: context),
                event: EventRow(event), payload: event.payload,
                deliveries: try await services.events.deliveries(eventID: id).map {
                    DeliveryRow(endpointId: $0.endpointID, status: $0.status.rawValue, attempts: $0.attempts, nextAttemptAt: $0.nextAttemptAt?.iso8601)
                },
                attempts: try await services.events.attempts(eventID: id).map {
                    AttemptRow(
                        endpointId: $0.endpointID, number: $0.number, at: $0.at.iso8601, statusCode: $0.statusCode, error: $0.error,
                        latencyMs: $0.latencyMilliseconds, response: $0.response)
                }, notice: request.uri.queryParameters["done"].flatMap { Self.notices[String($0)] }))
    }

    @Sendable func redeliver(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm(request: &request, context: context)
        let reason = try form.required("reason", "a reason to send it again")
        let id = try context.parameters.require("id")
        let event = try await services.events.get(id: id)
        let count = try await services.events.redeliver(eventID: id)
        try await operators.audit(
            "redeliver_event", on: event.orderID, by: try context.signedIn(), reason: reason, outcome: "event \(id) pending again to \(count) endpoint(s)")
        return ConsolePage.redirect("/console/events/\(id)?done=redeliver")
    }

    @Sendable func recover(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        var request = request
        let form = try await ConsoleForm(request: &request, context: context)
        let reason = try form.required("reason", "a reason to recover")
        let sinceText = try form.required("since", "the time to recover from")
        guard let since = Timestamp(iso8601: sinceText) else {
            throw ConsolePage.Failure(.badRequest, "since must be a UTC time like 2026-11-24T14:00:00Z")
        }
        let id = try context.parameters.require("id")
        let count = try await services.events.recover(endpointID: id, since: since)
        try await operators.audit(
            "recover_endpoint", on: nil, by: try context.signedIn(), reason: reason,
            outcome: "endpoint \(id): \(count) event(s) since \(since.iso8601) pending again")
        return ConsolePage.redirect("/console/events?done=recover")
    }
}

/// How the console's sessions are kept: their length and their cookie.
public struct ConsoleSettings: Sendable {
    /// How long a session lasts from sign-in.
    public var sessionDuration: Duration
    /// Cookies carry `Secure`: set when PaySync is reached over TLS (its public address is https).
    public var secureCookie: Bool

    public init(sessionDuration: Duration = .seconds(12 * 3_600), secureCookie: Bool = false) {
        self.sessionDuration = sessionDuration
        self.secureCookie = secureCookie
    }

    var sessionConfiguration: SessionMiddlewareConfiguration {
        SessionMiddlewareConfiguration(
            sessionCookieParameters: SessionCookieParameters(name: "paysync_session", path: "/console", secure: secureCookie, sameSite: .strict),
            defaultSessionExpiration: sessionDuration)
    }
}

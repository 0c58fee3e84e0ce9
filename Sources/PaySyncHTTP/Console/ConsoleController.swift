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

    /// An action's posted form, and the reason every action asks for (`what` names it when missing).
    func actionForm(_ request: Request, _ context: ConsoleRequestContext, reason what: String) async throws -> (ConsoleForm, String) {
        var request = request
        let form = try await ConsoleForm(request: &request, context: context)
        return (form, try form.required("reason", what))
    }

    /// Runs an action and audits it — who, why, and how it ended: `body`'s outcome, or the error
    /// that stopped it — then returns or rethrows.
    func audited(
        _ action: String, on orderID: OrderID?, reason: String, _ context: ConsoleRequestContext, _ body: () async throws -> String
    ) async throws {
        let who = try context.signedIn()
        let outcome: String
        do {
            outcome = try await body()
        } catch {
            let text =
                switch error {
                case let error as PaySyncError: "\(error.code): \(error.message)"
                case let failure as ConsolePage.Failure: failure.message
                default: "\(error)"
                }
            try await operators.audit(action, on: orderID, by: who, reason: reason, result: text, failed: true)
            throw error
        }
        try await operators.audit(action, on: orderID, by: who, reason: reason, result: outcome, failed: false)
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
        // A new session each sign-in (no fixation); the one this browser had, if any, ends now.
        // (The session storage keys a session by its prefix and the cookie: as `ConsoleSessionDriver` is given it.)
        let sessions = settings.sessionConfiguration
        if let previous = request.cookies[sessions.sessionCookieParameters.name]?.value {
            try await operators.endSession(cookie: sessions.keyPrefix + String(previous))
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

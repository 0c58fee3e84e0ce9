import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import PaySyncEngine
import PaySyncStore

/// Admits a console request only from a live session of an existing operator; a page asked for
/// without one is sent to the sign-in page. Every post must carry the session's CSRF token in
/// its `csrf` field; posts in `actions` groups need the `operator` role too.
struct ConsoleGuard: RouterMiddleware {
    typealias Context = ConsoleRequestContext
    let operators: OperatorService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let session = context.sessions.session, let found = try await operators.find(name: session.operatorName) else {
            if request.method == .get || request.method == .head {
                return ConsolePage.redirect("/console/login")
            }
            throw ConsolePage.Failure(.unauthorized, "your session has ended; sign in again")
        }
        var context = context
        context.consoleOperator = found
        context.csrf = session.csrf
        var request = request
        if request.method == .post {
            let form = try await ConsoleForm(request: &request, context: context)
            guard let sent = form["csrf"], BearerAuthMiddleware<Context>.constantTimeEqual(Array(sent.utf8), Array(session.csrf.utf8)) else {
                throw ConsolePage.Failure(.forbidden, "the form carried no valid CSRF token; reload the page and try again")
            }
        }
        return try await next(request, context)
    }
}

/// Lets only operators (not viewers) through: the console's actions.
struct RequireOperatorRole: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard try context.signedIn().role == .operator else {
            throw ConsolePage.Failure(.forbidden, "\(try context.signedIn().name) is a viewer: viewers read, operators act")
        }
        return try await next(request, context)
    }
}

/// Renders what a console route throws as a page with its status, not the API's JSON.
struct ConsoleErrorMiddleware: RouterMiddleware {
    typealias Context = ConsoleRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let failure as ConsolePage.Failure {
            return try Self.page(failure.status, failure.message, context: context)
        } catch let error as PaySyncError {
            let api = APIError(error)
            return try Self.page(api.status, error.message, context: context)
        } catch let error as APIError {
            return try Self.page(error.status, error.message, context: context)
        } catch let error as HTTPError {
            return try Self.page(error.status, error.body ?? error.status.reasonPhrase, context: context)
        } catch {
            // Anything else (the store is down, a defect): logged once here, shown as a page.
            context.logger.error("console request failed", metadata: ["error": "\(error)", "paysync.operator": "\(context.consoleOperator?.name ?? "-")"])
            return try Self.page(.internalServerError, "PaySync could not answer this page; the error is logged", context: context)
        }
    }

    struct Model {
        let chrome: ConsolePage.Chrome
        let status: Int
        let message: String
    }

    static func page(_ status: HTTPResponse.Status, _ message: String, context: Context) throws -> Response {
        try ConsolePage.render("error", Model(chrome: .init("\(status.code) \(status.reasonPhrase)", context: context), status: status.code, message: message), status: status)
    }
}

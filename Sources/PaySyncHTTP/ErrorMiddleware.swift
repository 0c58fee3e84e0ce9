import Hummingbird
import Logging
import PaySyncEngine
import PaySyncStore

/// Turns every error that escapes a route — or the router, for an unknown path — into the API's
/// JSON error shape. Errors PaySync does not know are logged and answered as a bare 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as PaySyncError {
            throw APIError(error)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                throw APIError(.notFound, code: "route_not_found", message: "no route for \(request.method) \(request.uri.path)")
            case .contentTooLarge:
                throw APIError(.contentTooLarge, code: "body_too_large", message: "the request body is too large")
            default:
                throw APIError(error.status, code: "http_\(error.status.code)", message: error.body ?? error.status.reasonPhrase)
            }
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError(.internalServerError, code: "internal_error", message: "an internal error occurred; see the server log")
        }
    }
}

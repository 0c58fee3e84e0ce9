import Foundation
import Hummingbird
import PaySyncCore
import PaySyncEngine
import PaySyncStore

/// The review queue under `/v1/reviews`: facts PaySync would not apply without a person.
struct ReviewController<Context: RequestContext>: Sendable {
    let reviews: ReviewService
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("reviews", use: list)
        group.post("reviews/{id}/resolve", use: resolve)
    }

    struct ResolveBody: Decodable {
        let by: String
        let note: String
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let statusText = request.uri.queryParameters["status"].map(String.init) ?? "open"
        let status: ReviewItem.Status?
        switch statusText {
        case "all": status = nil
        default:
            guard let parsed = ReviewItem.Status(rawValue: statusText) else {
                throw APIError(.badRequest, code: "invalid_query", message: "status must be open, resolved or all", field: "status")
            }
            status = parsed
        }
        let items = try await reviews.list(status: status)
        return try json(["reviews": items.map(ReviewResource.init)], status: .ok)
    }

    @Sendable func resolve(_ request: Request, context: Context) async throws -> Response {
        guard let id = Int64(try context.parameters.require("id")) else {
            throw APIError(.notFound, code: "review_not_found", message: "review ids are numbers")
        }
        let body = try await request.decodeJSON(ResolveBody.self, limit: maxBodyBytes)
        guard !body.by.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError(.badRequest, code: "missing_field", message: "say who resolves the item", field: "by")
        }
        guard !body.note.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError(.badRequest, code: "missing_field", message: "say why (note)", field: "note")
        }
        return try json(ReviewResource(try await reviews.resolve(id: id, by: body.by, note: body.note)), status: .ok)
    }
}

import Foundation
import Hummingbird
import PaySyncCore
import PaySyncEngine
import PaySyncStore

/// The merchant's event endpoints under `/v1/endpoints` (docs/events.md).
struct EndpointController<Context: RequestContext>: Sendable {
    let endpoints: EndpointService
    let events: EventService
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("endpoints", use: create)
        group.get("endpoints", use: list)
        group.get("endpoints/{id}", use: get)
        group.patch("endpoints/{id}", use: update)
        group.delete("endpoints/{id}", use: delete)
        group.post("endpoints/{id}/rotate", use: rotate)
        group.post("endpoints/{id}/recover", use: recover)
    }

    /// The body of `POST` and `PATCH /v1/endpoints…`; on `PATCH` every field is optional.
    struct EndpointRequestBody: Decodable {
        let account: String?
        let url: String?
        /// Event type names; absent or empty: every type.
        let types: [String]?
        let enabled: Bool?
        let description: String?
    }

    /// An endpoint as the API shows it. `secret` appears once: in the answer that made it.
    struct EndpointBody: Encodable {
        let id: String
        let account: String
        let url: String
        /// Empty: every type.
        let types: [String]
        let enabled: Bool
        /// `operator`, `gone` (it answered 410) or `failing`, when disabled.
        let disabledReason: String?
        let description: String
        let failingSince: String?
        /// Until when each older secret still signs, during a rotation.
        let rotatingSecretsExpireAt: [String]
        let createdAt: String
        let updatedAt: String
        var secret: String? = nil

        init(_ endpoint: WebhookEndpoint, showingSecret: Bool = false) {
            id = endpoint.id
            account = endpoint.account.rawValue
            url = endpoint.url
            switch endpoint.types {
            case .all: types = []
            case .only(let selected): types = selected.map(\.rawValue).sorted()
            }
            switch endpoint.state {
            case .enabled:
                enabled = true
                disabledReason = nil
            case .disabled(let reason):
                enabled = false
                disabledReason = reason
            }
            description = endpoint.description
            failingSince = endpoint.failingSince?.iso8601
            rotatingSecretsExpireAt = endpoint.secrets.dropFirst().compactMap { $0.expiresAt?.iso8601 }
            createdAt = endpoint.createdAt.iso8601
            updatedAt = endpoint.updatedAt.iso8601
            if showingSecret { secret = endpoint.secrets.first?.secret }
        }
    }

    struct RotateBody: Decodable {
        /// How long the old secret keeps signing; default `events.rotationOverlapHours`.
        let overlapSeconds: Int64?
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.decodeJSON(EndpointRequestBody.self, limit: maxBodyBytes)
        let account: MerchantAccountID
        do { account = try MerchantAccountID(body.account ?? "default") } catch {
            throw APIError(.badRequest, code: "invalid_account", message: error.description, field: "account")
        }
        let endpoint = try await endpoints.create(account: account, try fields(body))
        return try json(EndpointBody(endpoint, showingSecret: true), status: .created)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        var account: MerchantAccountID?
        for (key, value) in request.uri.queryParameters {
            guard key == "account" else {
                throw APIError(.badRequest, code: "invalid_query", message: "unknown query parameter \"\(key)\"; known: account", field: String(key))
            }
            do { account = try MerchantAccountID(String(value)) } catch {
                throw APIError(.badRequest, code: "invalid_query", message: "account \"\(value)\" is not an account name", field: "account")
            }
        }
        return try json(["endpoints": try await endpoints.list(account: account).map { EndpointBody($0) }], status: .ok)
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        try json(EndpointBody(try await endpoints.get(id: try context.parameters.require("id"))), status: .ok)
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.decodeJSON(EndpointRequestBody.self, limit: maxBodyBytes)
        guard body.account == nil else {
            throw APIError(.badRequest, code: "invalid_field", message: "an endpoint's account cannot change", field: "account")
        }
        return try json(EndpointBody(try await endpoints.update(id: try context.parameters.require("id"), try fields(body))), status: .ok)
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        try await endpoints.delete(id: try context.parameters.require("id"))
        return Response(status: .noContent)
    }

    @Sendable func rotate(_ request: Request, context: Context) async throws -> Response {
        let overlap: Int64?
        if request.headers[.contentLength].flatMap(Int.init) ?? 0 > 0 || request.headers[.contentType] != nil {
            let seconds = try await request.decodeJSON(RotateBody.self, limit: maxBodyBytes).overlapSeconds
            // Checked before it is multiplied: a huge number of seconds would overflow.
            if let seconds, !(0...EndpointService.longestOverlapSeconds).contains(seconds) { throw EndpointService.invalidOverlap }
            overlap = seconds.map { $0 * 1_000 }
        } else {
            overlap = nil
        }
        let endpoint = try await endpoints.rotate(id: try context.parameters.require("id"), overlapMilliseconds: overlap)
        return try json(EndpointBody(endpoint, showingSecret: true), status: .ok)
    }

    /// `POST /v1/endpoints/{id}/recover?since=2026-11-24T14:00:00Z`
    @Sendable func recover(_ request: Request, context: Context) async throws -> Response {
        guard let text = request.uri.queryParameters["since"], let since = Timestamp(iso8601: String(text)) else {
            throw APIError(.badRequest, code: "invalid_query", message: "since is required, a UTC time like 2026-11-24T14:00:00Z", field: "since")
        }
        let count = try await events.recover(endpointID: try context.parameters.require("id"), since: since)
        return try json(["scheduled": count], status: .accepted)
    }

    private func fields(_ body: EndpointRequestBody) throws -> EndpointService.Fields {
        var types: EventSelection?
        if let names = body.types {
            var selected: Set<EventType> = []
            for name in names {
                guard let type = EventType(rawValue: name) else {
                    throw APIError(
                        .badRequest, code: "invalid_field",
                        message: "\"\(name)\" is not an event type; known: \(EventType.allCases.map(\.rawValue).joined(separator: ", "))", field: "types")
                }
                selected.insert(type)
            }
            types = selected.isEmpty ? .all : .only(selected)
        }
        return EndpointService.Fields(url: body.url, types: types, enabled: body.enabled, description: body.description)
    }
}

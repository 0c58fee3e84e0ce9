import Foundation
import Hummingbird
import NIOCore
import PaySyncCore
import PaySyncEngine
import PaySyncStore

/// The event feed and each event's deliveries under `/v1/events` (docs/events.md).
struct EventController<Context: RequestContext>: Sendable {
    let events: EventService

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("events", use: list)
        group.get("events/{id}", use: get)
        group.get("events/{id}/attempts", use: attempts)
        group.post("events/{id}/redeliver", use: redeliver)
    }

    struct AttemptBody: Encodable {
        let endpointId: String
        let number: Int
        let at: String
        let status: Int?
        let error: String?
        let latencyMs: Int64
        let response: String

        init(_ attempt: DeliveryAttempt) {
            endpointId = attempt.endpointID
            number = attempt.number
            at = attempt.at.iso8601
            status = attempt.statusCode
            error = attempt.error
            latencyMs = attempt.latencyMilliseconds
            response = attempt.response
        }
    }

    struct DeliveryBody: Encodable {
        let endpointId: String
        let status: String
        let attempts: Int
        let nextAttemptAt: String?

        init(_ delivery: Delivery) {
            endpointId = delivery.endpointID
            status = delivery.status.rawValue
            attempts = delivery.attempts
            nextAttemptAt = delivery.status == .pending ? delivery.nextAttemptAt?.iso8601 : nil
        }
    }

    /// `GET /v1/events?account=&type=&order=&delivered=&from=&before=&cursor=&limit=&wait=`: one
    /// account's events in commit order, each exactly as delivered. `nextCursor` continues after
    /// this page, empty or not; `wait` (0–60 s) holds an empty answer open until an event commits.
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let (query, wait) = try eventQuery(request.uri.queryParameters)
        let page = try await events.list(query, waitMilliseconds: wait)
        // Each event is its stored payload, byte for byte: the feed and the deliveries agree.
        var body = #"{"events":["#
        body += page.events.map(\.payload).joined(separator: ",")
        body += #"],"hasMore":\#(page.hasMore),"nextCursor":"\#(page.last)"}"#
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// `GET /v1/events/{id}`: the event as delivered, with its position and deliveries beside it.
    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let event = try await events.get(id: id)
        let deliveries = try await events.deliveries(eventID: id).map(DeliveryBody.init)
        let rest = String(decoding: try JSONEncoder.api.encode(deliveries), as: UTF8.self)
        let body = #"{"deliveries":\#(rest),"event":\#(event.payload),"position":\#(event.position)}"#
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    @Sendable func attempts(_ request: Request, context: Context) async throws -> Response {
        let attempts = try await events.attempts(eventID: try context.parameters.require("id"))
        return try json(["attempts": attempts.map(AttemptBody.init)], status: .ok)
    }

    @Sendable func redeliver(_ request: Request, context: Context) async throws -> Response {
        let count = try await events.redeliver(eventID: try context.parameters.require("id"))
        return try json(["scheduled": count], status: .accepted)
    }

    private func eventQuery(_ parameters: Parameters) throws -> (EventQuery, UInt64) {
        var query = EventQuery(account: .default)
        var wait: UInt64 = 0
        for (key, value) in parameters {
            let key = String(key)
            let value = String(value)
            func invalid(_ message: String) -> APIError { APIError(.badRequest, code: "invalid_query", message: message, field: key) }
            switch key {
            case "account":
                do { query.account = try MerchantAccountID(value) } catch { throw invalid(error.description) }
            case "type":
                for name in value.split(separator: ",") {
                    guard let type = EventType(rawValue: String(name)) else {
                        throw invalid("\"\(name)\" is not an event type; known: \(EventType.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    query.types.insert(type)
                }
            case "order":
                guard let order = OrderID(rawValue: value) else { throw invalid("order \"\(value)\" is not an order id") }
                query.orderID = order
            case "delivered":
                switch value {
                case "true": query.delivered = .yes
                case "false": query.delivered = .no
                default: throw invalid("delivered is true or false")
                }
            case "from", "before":
                guard let timestamp = Timestamp(iso8601: value) else { throw invalid("\(key) must be a UTC time like 2026-11-24T14:00:00Z") }
                if key == "from" { query.occurredFrom = timestamp } else { query.occurredBefore = timestamp }
            case "cursor":
                guard let position = Int64(value), position >= 0 else { throw invalid("cursor is not one this API issued") }
                query.after = position
            case "limit":
                guard let limit = Int(value), (1...500).contains(limit) else { throw invalid("limit must be a whole number from 1 to 500") }
                query.limit = limit
            case "wait":
                guard let seconds = UInt64(value), seconds <= 60 else { throw invalid("wait is a whole number of seconds from 0 to 60") }
                wait = seconds * 1_000
            default:
                throw invalid("unknown query parameter \"\(key)\"; known: account, type, order, delivered, from, before, cursor, limit, wait")
            }
        }
        return (query, wait)
    }
}

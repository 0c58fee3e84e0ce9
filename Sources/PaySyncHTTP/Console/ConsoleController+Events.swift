import Foundation
import HTTPTypes
import Hummingbird
import PaySyncCore
import PaySyncEngine
import PaySyncStore

/// The merchants' endpoints and the events not yet delivered to them.
extension ConsoleController {
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
        let (_, reason) = try await actionForm(request, context, reason: "a reason to send it again")
        let id = try context.parameters.require("id")
        let event = try await services.events.get(id: id)
        try await audited("redeliver_event", on: event.orderID, reason: reason, context) {
            "event \(id) pending again to \(try await services.events.redeliver(eventID: id)) endpoint(s)"
        }
        return ConsolePage.redirect("/console/events/\(id)?done=redeliver")
    }

    @Sendable func recover(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let (form, reason) = try await actionForm(request, context, reason: "a reason to recover")
        let sinceText = try form.required("since", "the time to recover from")
        guard let since = Timestamp(iso8601: sinceText) else {
            throw ConsolePage.Failure(.badRequest, "since must be a UTC time like 2026-11-24T14:00:00Z")
        }
        let id = try context.parameters.require("id")
        try await audited("recover_endpoint", on: nil, reason: reason, context) {
            "endpoint \(id): \(try await services.events.recover(endpointID: id, since: since)) event(s) since \(since.iso8601) pending again"
        }
        return ConsolePage.redirect("/console/events?done=recover")
    }
}

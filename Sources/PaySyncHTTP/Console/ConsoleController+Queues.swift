import Foundation
import HTTPTypes
import Hummingbird
import PaySyncCore
import PaySyncEngine
import PaySyncStore

/// What waits for a person: stuck orders and overdue checks, the review queue, refused callbacks.
extension ConsoleController {
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
        // Counted by the store, not from the listed page (the list stops at 500).
        let counts = try await services.operations.summary().openReviews.map { ReasonCount(reason: $0.key.rawValue, count: $0.value) }
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
        /// The orders search for the number the entry names, percent-encoded.
        let searchLink: String?
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
                searchLink: entry.merchantOrderNumber.map { "/console/orders?" + Self.queryString([("number", $0)]) },
                notice: request.uri.queryParameters["done"].flatMap { Self.notices[String($0)] }))
    }

    @Sendable func replay(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let (_, reason) = try await actionForm(request, context, reason: "a reason for the replay")
        guard let id = Int64(try context.parameters.require("id")) else { throw ConsolePage.Failure(.notFound, "inbox ids are numbers") }
        _ = try await services.inbox.replay(id: id, by: "\(try context.signedIn().name) in the console", reason: reason)
        return ConsolePage.redirect("/console/inbox/\(id)?done=replay")
    }
}

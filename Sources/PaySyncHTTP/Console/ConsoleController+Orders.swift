import Foundation
import HTTPTypes
import Hummingbird
import PaySyncCore
import PaySyncEngine
import PaySyncStore

/// The orders list (search, pages, CSV), an order's page, and the actions on it.
extension ConsoleController {
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
        /// What the option shows: its value, or "any" for the empty one (mustache renders a
        /// section for an empty string, so the template cannot tell).
        let label: String
        let selected: Bool

        init(value: String, selected: Bool) {
            self.value = value
            self.label = value.isEmpty ? "any" : value
            self.selected = selected
        }
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

    /// `RC` and 20 random lowercase letters and digits: a refund number any gateway takes.
    static func refundNumber() -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return "RC" + String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    static func csvCell(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@\t\r".contains(first), text.wholeMatch(of: /[-+]?[0-9]+(\.[0-9]+)?/) == nil { text = "'" + text }
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
        /// The refund form's number, made for this page: posting the form twice (a double click,
        /// a reload) is refused as the same refund number instead of refunding twice.
        let refundNumber: String
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
                canCancel: !order.status.isSettledAttempt, canRefund: order.status == .paid, refundNumber: Self.refundNumber(),
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
        let (_, reason) = try await actionForm(request, context, reason: "a reason for the cancel")
        let id = try orderID(context)
        try await audited("cancel", on: id, reason: reason, context) {
            let (decision, order) = try await services.orders.cancel(id: id)
            if case .refused(let refusal) = decision {
                throw PaySyncError(
                    .conflict, code: refusal.rawValue, message: "order \(order.merchantOrderNumber) is \(order.status.rawValue); it cannot be canceled")
            }
            return order.status.rawValue
        }
        return ConsolePage.redirect("/console/orders/\(id.rawValue)?done=cancel")
    }

    @Sendable func refund(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let (form, reason) = try await actionForm(request, context, reason: "a reason for the refund")
        let amountText = try form.required("amount", "the amount to refund")
        let id = try orderID(context)
        let order = try await services.orders.order(id: id)
        let amount: Money
        do { amount = try Money(parsing: amountText, currency: order.amount.currency) } catch {
            throw ConsolePage.Failure(.badRequest, "the amount \(amountText) is not an amount of \(order.amount.currency.code): \(error)")
        }
        let number = try form.required("refundNumber", "the refund form's number (reload the page)")
        try await audited("refund", on: id, reason: reason, context) {
            let refund = try await services.refunds.refund(orderID: id, amount: amount, reason: reason, refundNumber: number)
            return "\(refund.refundNumber) of \(amount.decimalString) \(amount.currency.code) \(refund.status.rawValue)"
        }
        return ConsolePage.redirect("/console/orders/\(id.rawValue)?done=refund")
    }

    @Sendable func verify(_ request: Request, context: ConsoleRequestContext) async throws -> Response {
        let (_, reason) = try await actionForm(request, context, reason: "a reason to verify")
        let id = try orderID(context)
        try await audited("verify", on: id, reason: reason, context) {
            let (order, display) = try await services.verifier.verify(id, report: nil, waitMilliseconds: 0)
            return "\(order.status.rawValue) (\(display.rawValue))"
        }
        return ConsolePage.redirect("/console/orders/\(id.rawValue)?done=verify")
    }
}

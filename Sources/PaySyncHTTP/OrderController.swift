import Foundation
import Hummingbird
import NIOCore
import PaySyncCore
import PaySyncGateways
import PaySyncEngine
import PaySyncStore

/// The merchant order API under `/v1`. See docs/api.md for each route with curl examples.
struct OrderController<Context: RequestContext>: Sendable {
    let service: OrderService
    let verifier: Verifier
    let refunds: RefundService
    let utr: UTRService
    let maxBodyBytes: Int

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("orders", use: create)
        group.get("orders", use: list)
        group.get("orders/{id}", use: get)
        group.get("orders/{id}/timeline", use: timeline)
        group.post("orders/{id}/cancel", use: cancel)
        group.get("orders/{id}/verify", use: verify)
        group.post("orders/{id}/refunds", use: createRefund)
        group.get("orders/{id}/refunds", use: listRefunds)
        group.post("orders/{id}/utr", use: reportUTR)
        group.get("accounts/{account}/orders/{number}", use: getByNumber)
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let body = try await request.decodeJSON(CreateOrderBody.self, limit: maxBodyBytes)
        let command = try command(from: body)
        let result = try await service.create(command)
        let order = OrderResource(result.order)
        switch (result.outcome, result.submission) {
        case (_, .refused(let code, let message)?):
            throw APIError(.badGateway, code: "gateway_refused", message: "\(order.provider) refused the order (\(code)): \(message)", order: order)
        case (_, .unknown(let failure)?):
            // Stored, but the gateway's answer is unknown: never re-sent blindly; the reconciler resolves it.
            return try json(OrderOutcomeBody(outcome: "unknown_at_gateway", order: order, gatewayError: failure.description), status: .accepted)
        case (.created, _):
            return try json(OrderOutcomeBody(outcome: result.outcome.rawValue, order: order), status: .created)
        case (.existing, _), (.reinitiated, _):
            return try json(OrderOutcomeBody(outcome: result.outcome.rawValue, order: order), status: .ok)
        case (.alreadyPaid, _):
            throw APIError(.conflict, code: "order_already_paid", message: "order \(order.merchantOrderNumber) is paid; it cannot be paid again", order: order)
        case (.alreadyCanceled, _):
            throw APIError(
                .conflict, code: "order_already_canceled", message: "order \(order.merchantOrderNumber) is canceled; it cannot be paid again",
                order: order)
        }
    }

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        try json(OrderResource(try await service.order(id: try orderID(context))), status: .ok)
    }

    @Sendable func getByNumber(_ request: Request, context: Context) async throws -> Response {
        let accountText = try context.parameters.require("account")
        let numberText = try context.parameters.require("number")
        let account: MerchantAccountID
        let number: MerchantOrderNumber
        do { account = try MerchantAccountID(accountText) } catch { throw APIError(.badRequest, code: "invalid_account", message: error.description, field: "account") }
        do { number = try MerchantOrderNumber(numberText) } catch {
            throw APIError(.badRequest, code: error.code, message: error.description, field: "merchantOrderNumber")
        }
        return try json(OrderResource(try await service.order(account: account, number: number)), status: .ok)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let query = try OrderQuery(parameters: request.uri.queryParameters.map { (String($0.key), String($0.value)) })
        let page = try await service.list(query)
        return try json(OrderListBody(orders: page.orders.map(OrderResource.init), nextCursor: page.next?.token), status: .ok)
    }

    @Sendable func timeline(_ request: Request, context: Context) async throws -> Response {
        let id = try orderID(context)
        let entries = try await service.timeline(id: id)
        return try json(TimelineBody(orderId: id.rawValue, entries: entries.map(TimelineEntryBody.init)), status: .ok)
    }

    @Sendable func cancel(_ request: Request, context: Context) async throws -> Response {
        let (decision, order) = try await service.cancel(id: try orderID(context))
        let body = OrderResource(order)
        switch decision {
        case .refused(let reason):
            throw APIError(.conflict, code: reason.rawValue, message: "order \(order.merchantOrderNumber) is \(order.status.rawValue); it cannot be canceled", order: body)
        case .transition, .unchanged, .review:
            // `closing` means the gateway still has to confirm: accepted, not done.
            let status: HTTPResponse.Status = order.status == .closing ? .accepted : .ok
            return try json(OrderOutcomeBody(outcome: order.status.rawValue, order: body), status: status)
        }
    }

    /// `GET /v1/orders/{id}/verify?report=…&wait=…` — see `Verifier`.
    @Sendable func verify(_ request: Request, context: Context) async throws -> Response {
        let id = try orderID(context)
        var report: Verifier.Report?
        if let text = request.uri.queryParameters["report"] {
            guard let parsed = Verifier.Report(rawValue: String(text)) else {
                throw APIError(
                    .badRequest, code: "invalid_query", message: "report must be one of \(Verifier.Report.allCases.map(\.rawValue).joined(separator: ", "))",
                    field: "report")
            }
            report = parsed
        }
        var wait: Int64 = 0
        if let text = request.uri.queryParameters["wait"] {
            guard let seconds = Int64(String(text)), (0...60).contains(seconds) else {
                throw APIError(.badRequest, code: "invalid_query", message: "wait is a whole number of seconds from 0 to 60", field: "wait")
            }
            wait = seconds * 1_000
        }
        let (order, display) = try await verifier.verify(id, report: report, waitMilliseconds: wait)
        return try json(VerifyBody(display: display.rawValue, order: OrderResource(order)), status: .ok)
    }

    struct VerifyBody: Encodable {
        /// `paid`, `not_paid_check_later` (do not pay again) or `closed`.
        let display: String
        let order: OrderResource
    }

    struct UTRRequestBody: Decodable {
        let utr: String
    }

    struct UTRBody: Encodable {
        struct Gateway: Encodable {
            let utr: String
            let settled: Bool
            let amount: MoneyBody?
            let merchantOrderNumber: String?
        }
        let decision: String
        let message: String
        let gateway: Gateway?
        let order: OrderResource
    }

    /// `POST /v1/orders/{id}/utr` — see `UTRService`: 202 when a repair was requested, 502 when
    /// the gateway gave no verdict, else 200 with the decision.
    @Sendable func reportUTR(_ request: Request, context: Context) async throws -> Response {
        let id = try orderID(context)
        let body = try await request.decodeJSON(UTRRequestBody.self, limit: maxBodyBytes)
        let result = try await utr.report(orderID: id, utr: body.utr)
        let order = OrderResource(result.order)
        if result.decision == .gatewayUnavailable {
            throw APIError(.badGateway, code: "gateway_unavailable", message: result.message, order: order)
        }
        let gateway = result.report.map {
            UTRBody.Gateway(utr: $0.utr, settled: $0.settled, amount: $0.amount.map(MoneyBody.init), merchantOrderNumber: $0.merchantOrderNumber)
        }
        return try json(
            UTRBody(decision: result.decision.rawValue, message: result.message, gateway: gateway, order: order),
            status: result.decision == .repairRequested ? .accepted : .ok)
    }

    struct RefundRequestBody: Decodable {
        /// Decimal text in major units, in the order's currency.
        let amount: String
        let reason: String
        let refundNumber: String?
    }

    /// `POST /v1/orders/{id}/refunds` — refund part or all of a paid order.
    @Sendable func createRefund(_ request: Request, context: Context) async throws -> Response {
        let id = try orderID(context)
        let body = try await request.decodeJSON(RefundRequestBody.self, limit: maxBodyBytes)
        let order = try await service.order(id: id)
        let amount: Money
        do { amount = try Money(parsing: body.amount, currency: order.amount.currency) } catch {
            throw APIError(.badRequest, code: error.code, message: error.description, field: "amount")
        }
        if let number = body.refundNumber {
            do { _ = try MerchantOrderNumber(number) } catch { throw APIError(.badRequest, code: error.code, message: error.description, field: "refundNumber") }
        }
        let refund = try await refunds.refund(orderID: id, amount: amount, reason: body.reason, refundNumber: body.refundNumber)
        return try json(RefundResource(refund), status: .created)
    }

    @Sendable func listRefunds(_ request: Request, context: Context) async throws -> Response {
        let id = try orderID(context)
        return try json(["refunds": try await service.refunds(id: id).map(RefundResource.init)], status: .ok)
    }

    // MARK: - Parsing

    private func command(from body: CreateOrderBody) throws -> CreateOrderCommand {
        let account: MerchantAccountID
        do { account = try MerchantAccountID(body.account ?? "default") } catch {
            throw APIError(.badRequest, code: "invalid_account", message: error.description, field: "account")
        }
        let provider: ProviderID
        do { provider = try ProviderID(body.provider) } catch {
            throw APIError(.badRequest, code: "invalid_provider", message: error.description, field: "provider")
        }
        guard let currency = service.policy.currencies.currency(code: body.currency) else {
            throw APIError(
                .badRequest, code: "unknown_currency",
                message: "currency \"\(body.currency)\" is not accepted; accepted: \(service.policy.currencies.codes.joined(separator: ", "))",
                field: "currency")
        }
        let amount: Money
        do { amount = try Money(parsing: body.amount, currency: currency) } catch {
            throw APIError(.badRequest, code: error.code, message: "\(error.description) (\(currency.code) has \(currency.exponent) decimals)", field: "amount")
        }
        var number: MerchantOrderNumber?
        if let text = body.merchantOrderNumber {
            do { number = try MerchantOrderNumber(text) } catch {
                throw APIError(.badRequest, code: error.code, message: error.description, field: "merchantOrderNumber")
            }
        }
        return CreateOrderCommand(account: account, provider: provider, amount: amount, subject: body.subject, merchantOrderNumber: number)
    }

    private func orderID(_ context: Context) throws -> OrderID {
        let text = try context.parameters.require("id")
        guard let id = OrderID(rawValue: text) else {
            throw APIError(.notFound, code: "order_not_found", message: "no order \(text) (order ids look like ord_ followed by 20 characters)")
        }
        return id
    }
}

/// A JSON response with sorted keys.
func json(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
    let data = try JSONEncoder.api.encode(value)
    return Response(
        status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

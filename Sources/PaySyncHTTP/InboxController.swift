import Foundation
import Hummingbird
import PaySyncCore
import PaySyncEngine
import PaySyncStore

/// Recorded callbacks under `/v1/inbox` (docs/api.md): the list with filters, and one entry with
/// the request as it arrived.
struct InboxController<Context: RequestContext>: Sendable {
    let inbox: InboxService

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("inbox", use: list)
        group.get("inbox/{id}", use: get)
        group.post("inbox/{id}/replay", use: replay)
    }

    struct Page: Encodable {
        let entries: [InboxEntrySummary]
        let nextCursor: String?
    }

    /// One entry with its stored headers and body: text when the bytes are UTF-8, else base64.
    struct Full: Encodable {
        let entry: InboxEntrySummary
        let headers: [String: String]
        let body: String
        let bodyEncoding: String

        init(_ entry: InboxEntry) {
            self.entry = InboxEntrySummary(entry)
            headers = entry.headers
            if let text = String(validating: entry.body, as: UTF8.self) {
                (body, bodyEncoding) = (text, "utf8")
            } else {
                (body, bodyEncoding) = (Data(entry.body).base64EncodedString(), "base64")
            }
        }
    }

    /// `GET /v1/inbox?provider=&account=&verdict=&reason=&order=&from=&before=&cursor=&limit=`:
    /// newest first; `nextCursor` continues with older entries.
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let page = try await inbox.list(try Self.query(request.uri.queryParameters))
        return try json(Page(entries: page.entries.map(InboxEntrySummary.init), nextCursor: page.next.map(String.init)), status: .ok)
    }

    /// `GET /v1/inbox/{id}`.
    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        try json(Full(try await inbox.get(id: try Self.id(context))), status: .ok)
    }

    struct Replayed: Encodable {
        let before: InboxEntrySummary
        let entry: InboxEntrySummary
    }

    /// `POST /v1/inbox/{id}/replay`: the entry judged again; `before` is how it stood.
    @Sendable func replay(_ request: Request, context: Context) async throws -> Response {
        let (before, after) = try await inbox.replay(id: try Self.id(context), by: "the API")
        return try json(Replayed(before: InboxEntrySummary(before), entry: InboxEntrySummary(after)), status: .ok)
    }

    static func id(_ context: Context) throws -> Int64 {
        let text = try context.parameters.require("id")
        guard let id = Int64(text) else { throw PaySyncError(.notFound, code: "inbox_entry_not_found", message: "no inbox entry \(text)") }
        return id
    }

    static func query(_ parameters: Parameters) throws -> InboxQuery {
        var query = InboxQuery()
        for (key, value) in parameters {
            let key = String(key)
            let value = String(value)
            func invalid(_ message: String) -> APIError { APIError(.badRequest, code: "invalid_query", message: message, field: key) }
            switch key {
            case "provider":
                do { query.provider = try ProviderID(value) } catch { throw invalid(error.description) }
            case "account":
                do { query.account = try MerchantAccountID(value) } catch { throw invalid(error.description) }
            case "verdict":
                guard let verdict = InboxVerdict(rawValue: value) else {
                    throw invalid("\"\(value)\" is not a verdict; known: \(InboxVerdict.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                query.verdict = verdict
            case "reason":
                query.reason = value
            case "order":
                query.merchantOrderNumber = value
            case "from", "before":
                guard let timestamp = Timestamp(iso8601: value) else { throw invalid("\(key) must be a UTC time like 2026-11-24T14:00:00Z") }
                if key == "from" { query.receivedFrom = timestamp } else { query.receivedBefore = timestamp }
            case "cursor":
                guard let id = Int64(value), id > 0 else { throw invalid("cursor is not one this API issued") }
                query.beforeID = id
            case "limit":
                guard let limit = Int(value), (1...500).contains(limit) else { throw invalid("limit must be a whole number from 1 to 500") }
                query.limit = limit
            default:
                throw invalid("unknown query parameter \"\(key)\"; known: provider, account, verdict, reason, order, from, before, cursor, limit")
            }
        }
        return query
    }
}

/// An entry in a list: what was decided, not the request itself.
struct InboxEntrySummary: Encodable {
    let id: Int64
    let provider: String
    let account: String
    let receivedAt: String
    let remoteAddress: String?
    let verdict: String
    let reason: String?
    let detail: String?
    let merchantOrderNumber: String?
    let orderId: String?
    let duplicateOf: Int64?
    let bodyBytes: Int

    init(_ entry: InboxEntry) {
        id = entry.id
        provider = entry.provider.rawValue
        account = entry.account.rawValue
        receivedAt = entry.receivedAt.iso8601
        remoteAddress = entry.remoteAddress
        verdict = entry.verdict.rawValue
        reason = entry.reason
        detail = entry.detail
        merchantOrderNumber = entry.merchantOrderNumber
        orderId = entry.orderID?.rawValue
        duplicateOf = entry.duplicateOf
        bodyBytes = entry.body.count
    }
}

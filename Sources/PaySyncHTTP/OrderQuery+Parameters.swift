import HTTPTypes
import PaySyncCore
import PaySyncStore

extension OrderQuery {
    /// The names `init(parameters:)` reads, for its refusal of any other.
    static let parameterNames = [
        "status", "provider", "account", "number", "minAmountMinor", "maxAmountMinor", "createdFrom", "createdBefore", "limit", "cursor",
    ]

    /// A query from URL parameters, as `GET /v1/orders` and the console's orders page read them.
    /// - Parameter ignoringEmpty: treat `name=` as absent (a form's empty field) instead of
    ///   refusing it.
    /// - Throws: `APIError` 400 `invalid_query` naming the parameter at fault.
    init(parameters: [(String, String)], ignoringEmpty: Bool = false) throws {
        self.init()
        for (key, value) in parameters {
            if ignoringEmpty && value.isEmpty { continue }
            func invalid(_ message: String) -> APIError { APIError(.badRequest, code: "invalid_query", message: message, field: key) }
            switch key {
            case "status":
                guard let status = OrderStatus(rawValue: value) else {
                    throw invalid("status must be one of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                self.status = status
            case "provider":
                do { provider = try ProviderID(value) } catch { throw invalid("provider \"\(value)\" is not a provider name") }
            case "account":
                do { account = try MerchantAccountID(value) } catch { throw invalid("account \"\(value)\" is not an account name") }
            case "number":
                guard (1...64).contains(value.unicodeScalars.count), !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                    throw invalid("number is 1 to 64 characters, none of them a control character: a merchant's or a gateway's order number")
                }
                number = value
            case "minAmountMinor", "maxAmountMinor":
                guard let minor = Int64(value), minor >= 0 else { throw invalid("\(key) is a whole number of minor units, 0 or more") }
                if key == "minAmountMinor" { minimumMinor = minor } else { maximumMinor = minor }
            case "createdFrom", "createdBefore":
                guard let timestamp = Timestamp(iso8601: value) else { throw invalid("\(key) must be a UTC time like 2026-11-24T14:00:00Z") }
                if key == "createdFrom" { createdFrom = timestamp } else { createdBefore = timestamp }
            case "limit":
                guard let limit = Int(value), (1...500).contains(limit) else { throw invalid("limit must be a whole number from 1 to 500") }
                self.limit = limit
            case "cursor":
                guard let cursor = OrderCursor(token: value) else { throw invalid("cursor is not one this API issued") }
                after = cursor
            default:
                throw invalid("unknown query parameter \"\(key)\"; known: \(Self.parameterNames.joined(separator: ", "))")
            }
        }
    }
}

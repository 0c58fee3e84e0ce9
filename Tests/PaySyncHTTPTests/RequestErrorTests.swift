import Foundation
import Testing

/// Bad requests: each gets its status, a stable code and, where one field is at fault, its name.
@Suite("Merchant API errors")
struct RequestErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let method: String
        let uri: String
        let body: String?
        var contentType = "application/json"
        var token: String? = APIHarness.token
        let status: Int
        let code: String
        var field: String? = nil
        var testDescription: String { name }
    }

    static let valid = #"{"provider":"codepay","amount":"1.00","currency":"USD","subject":"x"}"#

    static let cases: [Case] = [
        Case(name: "no token", method: "GET", uri: "/v1/orders", body: nil, token: nil, status: 401, code: "unauthorized"),
        Case(name: "wrong token", method: "GET", uri: "/v1/orders", body: nil, token: "test-tokem", status: 401, code: "unauthorized"),
        Case(name: "token prefix", method: "GET", uri: "/v1/orders", body: nil, token: "test-toke", status: 401, code: "unauthorized"),
        Case(name: "unknown route", method: "GET", uri: "/v1/refunds", body: nil, status: 404, code: "route_not_found"),
        Case(name: "unknown route outside v1", method: "GET", uri: "/admin", body: nil, status: 404, code: "route_not_found"),
        Case(name: "wrong content type", method: "POST", uri: "/v1/orders", body: valid, contentType: "text/plain", status: 415, code: "unsupported_media_type"),
        Case(name: "form content type", method: "POST", uri: "/v1/orders", body: "a=b", contentType: "application/x-www-form-urlencoded", status: 415, code: "unsupported_media_type"),
        Case(name: "truncated JSON", method: "POST", uri: "/v1/orders", body: #"{"provider":"codepay","#, status: 400, code: "malformed_json"),
        Case(name: "not JSON", method: "POST", uri: "/v1/orders", body: "hello", status: 400, code: "malformed_json"),
        Case(name: "JSON array", method: "POST", uri: "/v1/orders", body: "[]", status: 400, code: "invalid_field", field: ""),
        Case(name: "missing provider", method: "POST", uri: "/v1/orders", body: #"{"amount":"1","currency":"USD","subject":"x"}"#, status: 400, code: "missing_field", field: "provider"),
        Case(name: "null amount", method: "POST", uri: "/v1/orders", body: #"{"provider":"codepay","amount":null,"currency":"USD","subject":"x"}"#, status: 400, code: "missing_field", field: "amount"),
        Case(name: "amount as a JSON number", method: "POST", uri: "/v1/orders", body: #"{"provider":"codepay","amount":1.5,"currency":"USD","subject":"x"}"#, status: 400, code: "invalid_field", field: "amount"),
        Case(name: "negative amount", method: "POST", uri: "/v1/orders", body: #"{"provider":"codepay","amount":"-1","currency":"USD","subject":"x"}"#, status: 400, code: "amount_signed", field: "amount"),
        Case(name: "too many decimals", method: "POST", uri: "/v1/orders", body: #"{"provider":"codepay","amount":"1.001","currency":"USD","subject":"x"}"#, status: 400, code: "amount_too_many_fraction_digits", field: "amount"),
        Case(name: "zero amount", method: "POST", uri: "/v1/orders", body: #"{"provider":"codepay","amount":"0","currency":"USD","subject":"x"}"#, status: 400, code: "amount_not_positive", field: "amount"),
        Case(name: "overflowing amount", method: "POST", uri: "/v1/orders", body: #"{"provider":"codepay","amount":"99999999999999999999","currency":"USD","subject":"x"}"#, status: 400, code: "amount_overflow", field: "amount"),
        Case(name: "unknown currency", method: "POST", uri: "/v1/orders", body: #"{"provider":"codepay","amount":"1","currency":"XXX","subject":"x"}"#, status: 400, code: "unknown_currency", field: "currency"),
        Case(name: "unknown provider", method: "POST", uri: "/v1/orders", body: #"{"provider":"paypal","amount":"1","currency":"USD","subject":"x"}"#, status: 400, code: "unknown_provider", field: "provider"),
        Case(name: "LAK with decimals at NewPay", method: "POST", uri: "/v1/orders", body: #"{"provider":"newpay","amount":"1.50","currency":"LAK","subject":"x"}"#, status: 400, code: "amount_not_representable", field: "amount"),
        Case(name: "unknown account", method: "POST", uri: "/v1/orders", body: #"{"account":"shop-z","provider":"codepay","amount":"1","currency":"USD","subject":"x"}"#, status: 400, code: "unknown_account", field: "account"),
        Case(name: "bad order number", method: "POST", uri: "/v1/orders", body: #"{"provider":"codepay","amount":"1","currency":"USD","subject":"x","merchantOrderNumber":"A 1"}"#, status: 400, code: "order_number_invalid_character", field: "merchantOrderNumber"),
        Case(name: "blank subject", method: "POST", uri: "/v1/orders", body: #"{"provider":"codepay","amount":"1","currency":"USD","subject":"  "}"#, status: 400, code: "subject_empty", field: "subject"),
        Case(name: "body over the limit", method: "POST", uri: "/v1/orders", body: "{\"subject\":\"" + String(repeating: "x", count: 2_000) + "\"}", status: 413, code: "body_too_large"),
    ]

    @Test("each bad request gets its precise error", arguments: cases)
    func refuses(_ example: Case) async throws {
        let api = try APIHarness(maxBodyBytes: 1_024)
        try await api.run { client in
            let response = try await client.request(
                .init(example.method)!, example.uri, json: example.body, contentType: example.contentType, token: example.token)
            #expect(response.status == example.status)
            #expect(response.error["code"] == example.code)
            #expect(response.error["field"] == example.field)
            #expect(!(response.error["message"] ?? "").isEmpty)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(try await api.store.listOrders(.init()).orders.isEmpty)
        }
    }

    @Test("a 401 names the bearer scheme")
    func wwwAuthenticate() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let response = try await client.request(.get, "/v1/orders", token: nil)
            #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="paysync""#)
        }
    }
}

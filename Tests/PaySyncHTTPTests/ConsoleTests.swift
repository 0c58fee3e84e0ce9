import Foundation
import HTTPTypes
import NIOCore
import PaySyncCore
import PaySyncEngine
import PaySyncStore
import Testing

@testable import PaySyncHTTP

/// A browser's side of the console over loopback: it keeps the cookies it is given and sends
/// them back, and reads the CSRF token out of the page it last loaded.
struct ConsoleBrowser {
    let client: APIClient
    var cookies: [String: String] = [:]

    init(_ client: APIClient) { self.client = client }

    mutating func get(_ uri: String, headers extra: HTTPFields = [:]) async throws -> APIResponse {
        try await send(.get, uri, headers: extra, body: nil)
    }

    /// Posts `form` urlencoded; `csrf` is added unless given or `nil`.
    mutating func post(_ uri: String, _ form: [(String, String)], csrf: String?) async throws -> APIResponse {
        let fields = form + (csrf.map { [("csrf", $0)] } ?? [])
        let body = fields.map { "\(ConsoleController.percentEncoded($0.0))=\(ConsoleController.percentEncoded($0.1))" }.joined(separator: "&")
        return try await send(.post, uri, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body))
    }

    private mutating func send(_ method: HTTPRequest.Method, _ uri: String, headers extra: HTTPFields, body: ByteBuffer?) async throws -> APIResponse {
        var headers = extra
        if !cookies.isEmpty { headers[.cookie] = cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        let response = try await client.send(uri, method, headers, body)
        for setCookie in response.headers[values: .setCookie] {
            let pair = setCookie.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
            cookies[String(pair[0])] = pair.count > 1 ? String(pair[1]) : ""
        }
        return response
    }

    /// The first `name="csrf" value="…"` of a page.
    static func csrf(_ page: APIResponse) -> String? {
        guard let range = page.text.range(of: #"name="csrf" value=""#) else { return nil }
        return String(page.text[range.upperBound...].prefix { $0 != "\"" })
    }

    /// Loads the sign-in form and posts it.
    mutating func signIn(_ name: String, _ password: String) async throws -> APIResponse {
        let form = try await get("/console/login")
        return try await post("/console/login", [("name", name), ("password", password)], csrf: Self.csrf(form))
    }
}

@Suite("Console: operators, sessions, CSRF and roles")
struct ConsoleTests {
    static let password = "correct horse battery"

    /// PaySync with operator `ana` and viewer `vic`, and one pending CodePay order A-1001.
    static func withConsole(_ body: @escaping @Sendable (APIHarness, APIClient, String) async throws -> Void) async throws {
        let api = try APIHarness()
        try await api.run { client in
            _ = try await client.instance.operators.add(name: "ana", role: .operator, password: Self.password)
            _ = try await client.instance.operators.add(name: "vic", role: .viewer, password: Self.password)
            let id = try #require(try await client.create().order["id"] as? String)
            try await body(api, client, id)
        }
    }

    @Test("a console page without a session sends the browser to sign in; the API's bearer token does not open it")
    func signInRequired() async throws {
        try await Self.withConsole { _, client, id in
            var browser = ConsoleBrowser(client)
            let page = try await browser.get("/console/orders/\(id)", headers: [.authorization: "Bearer \(APIHarness.token)"])
            #expect(page.status == 303)
            #expect(page.headers[.location] == "/console/login")
            let action = try await browser.post("/console/orders/\(id)/cancel", [("reason", "x")], csrf: "anything")
            #expect(action.status == 401)
        }
    }

    @Test("signing in sets an HttpOnly, SameSite=Strict session cookie on /console and names the operator on every page")
    func signIn() async throws {
        try await Self.withConsole { _, client, _ in
            var browser = ConsoleBrowser(client)
            let signedIn = try await browser.signIn("ana", Self.password)
            #expect(signedIn.status == 303)
            #expect(signedIn.headers[.location] == "/console")
            let cookie = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("paysync_session=") })
            #expect(cookie.contains("; HttpOnly"))
            #expect(cookie.contains("; SameSite=Strict"))
            #expect(cookie.contains("; Path=/console"))
            #expect(!cookie.contains("Secure"))
            let home = try await browser.get("/console")
            #expect(home.status == 200)
            #expect(home.text.contains(#"<span id="operator">ana (operator)</span>"#))
        }
    }

    @Test("a wrong password is refused; five failures lock the name for fifteen minutes, the right password included")
    func throttle() async throws {
        try await Self.withConsole { api, client, _ in
            var browser = ConsoleBrowser(client)
            for _ in 0..<5 {
                let wrong = try await browser.signIn("ana", "not the password")
                #expect(wrong.status == 401)
                #expect(wrong.text.contains("the name or the password is wrong"))
            }
            let locked = try await browser.signIn("ana", Self.password)
            #expect(locked.status == 429)
            #expect(locked.text.contains("too many failed sign-ins; try again in 900 s"))
            api.clock.advance(milliseconds: 15 * 60_000)
            #expect(try await browser.signIn("ana", Self.password).status == 303)
        }
    }

    @Test("the sign-in form without its token is refused")
    func signInWithoutToken() async throws {
        try await Self.withConsole { _, client, _ in
            var browser = ConsoleBrowser(client)
            _ = try await browser.get("/console/login")
            let forged = try await browser.post("/console/login", [("name", "ana"), ("password", Self.password)], csrf: "guessed")
            #expect(forged.status == 403)
            #expect(browser.cookies["paysync_session"] == nil)
        }
    }

    @Test("a form posted without the session's CSRF token is refused and changes nothing")
    func csrfRequired() async throws {
        try await Self.withConsole { api, client, id in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("ana", Self.password)
            for csrf in [nil, "not-the-token"] {
                let refused = try await browser.post("/console/orders/\(id)/cancel", [("reason", "customer asked")], csrf: csrf)
                #expect(refused.status == 403)
                #expect(refused.text.contains("the form carried no valid CSRF token"))
            }
            #expect(try await api.order("A-1001")?.status == .pending)
        }
    }

    @Test("a viewer reads an order but is shown no actions, and a cancel they post is refused and changes nothing")
    func viewerReadsOnly() async throws {
        try await Self.withConsole { api, client, id in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("vic", Self.password)
            let page = try await browser.get("/console/orders/\(id)")
            #expect(page.status == 200)
            #expect(page.text.contains(#"<span class="status s-pending" id="order-status">pending</span>"#))
            #expect(!page.text.contains("cancel-form"))
            let csrf = ConsoleBrowser.csrf(page)
            let refused = try await browser.post("/console/orders/\(id)/cancel", [("reason", "customer asked")], csrf: csrf)
            #expect(refused.status == 403)
            #expect(refused.text.contains("vic is a viewer: viewers read, operators act"))
            let order = try #require(try await api.order("A-1001"))
            #expect(order.status == .pending)
            #expect(try await api.store.audit(orderID: order.id).filter { $0.kind == .operator }.isEmpty)
        }
    }

    @Test("an operator's cancel needs a reason and is audited with their name and the outcome")
    func operatorCancels() async throws {
        try await Self.withConsole { api, client, id in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("ana", Self.password)
            let csrf = ConsoleBrowser.csrf(try await browser.get("/console/orders/\(id)"))
            let noReason = try await browser.post("/console/orders/\(id)/cancel", [("reason", "  ")], csrf: csrf)
            #expect(noReason.status == 400)
            #expect(noReason.text.contains("give a reason for the cancel"))
            let canceled = try await browser.post("/console/orders/\(id)/cancel", [("reason", "customer asked")], csrf: csrf)
            #expect(canceled.status == 303)
            #expect(canceled.headers[.location] == "/console/orders/\(id)?done=cancel")
            let order = try #require(try await api.order("A-1001"))
            #expect(order.status == .closing)
            let audit = try await api.store.audit(orderID: order.id).filter { $0.kind == .operator }
            #expect(audit.map(\.summary) == ["cancel by ana in the console: closing"])
            #expect(audit.map(\.detail) == ["customer asked"])
            let page = try await browser.get("/console/orders/\(id)?done=cancel")
            #expect(page.text.contains(#"<p class="notice" id="notice">Cancel requested.</p>"#))
        }
    }

    @Test("a refund form posted twice refunds once: the page's refund number is refused the second time, and both are audited")
    func refundOnce() async throws {
        try await Self.withConsole { api, client, id in
            try await api.sandbox.pay("codepay", "A-1001")
            await api.deliver()
            #expect(try await api.order("A-1001")?.status == .paid)
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("ana", Self.password)
            let page = try await browser.get("/console/orders/\(id)")
            let number = try #require(page.text.firstMatch(of: /name="refundNumber" value="(RC[a-z0-9]{20})"/).map { String($0.1) })
            let form = [("amount", "10.00"), ("reason", "one item returned"), ("refundNumber", number)]
            let first = try await browser.post("/console/orders/\(id)/refund", form, csrf: ConsoleBrowser.csrf(page))
            #expect(first.status == 303)
            let again = try await browser.post("/console/orders/\(id)/refund", form, csrf: ConsoleBrowser.csrf(page))
            #expect(again.status == 409)
            let order = try #require(try await api.order("A-1001"))
            #expect(try await api.store.refunds(orderID: order.id).map(\.refundNumber) == [number])
            let audit = try await api.store.audit(orderID: order.id).filter { $0.kind == .operator }
            #expect(audit.map(\.outcome) == ["done", "failed"])
            #expect(audit.first?.summary.hasPrefix("refund by ana in the console: \(number) of 10.00 USD ") == true)
            #expect(audit.last?.summary.hasPrefix("refund by ana in the console: failed, refund_number_conflict: ") == true)
        }
    }

    @Test("resolving a review item in the console records the operator as who resolved it, with the note")
    func resolveReview() async throws {
        try await Self.withConsole { api, client, _ in
            try await api.sandbox.pay("codepay", "A-1001")
            _ = try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001", amount: Money(minorUnits: 1, currency: .USD)), "codepay")
            let item = try #require(try await api.store.reviewItems(status: .open, limit: 10).first)
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("ana", Self.password)
            let queue = try await browser.get("/console/reviews")
            #expect(queue.text.contains(#"<tr id="review-\#(item.id)"><td>\#(item.id)</td><td>amount_mismatch</td>"#))
            let resolved = try await browser.post("/console/reviews/\(item.id)/resolve", [("note", "partial capture confirmed")], csrf: ConsoleBrowser.csrf(queue))
            #expect(resolved.status == 303)
            let closed = try #require(try await api.store.reviewItems(status: .resolved, limit: 10).first)
            #expect(closed.resolvedBy == "ana")
            #expect(closed.note == "partial capture confirmed")
        }
    }

    @Test("a refused callback is shown with its stored request and replayed from the console, audited with the operator's name")
    func replayCallback() async throws {
        try await Self.withConsole { api, client, _ in
            try await api.sandbox.pay("codepay", "A-1001")
            let forged = try await client.deliver(await api.sandbox.paymentCallback("codepay", "A-1001", forged: true), "codepay")
            #expect(forged.status == 401)
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("ana", Self.password)
            let inbox = try await browser.get("/console/inbox")
            #expect(inbox.text.contains(#"<td class="v-rejected">rejected (bad_signature)</td>"#))
            let entry = try await browser.get("/console/inbox/1")
            #expect(entry.text.contains("merchant_order_no"))
            let replayed = try await browser.post("/console/inbox/1/replay", [("reason", "checking the key")], csrf: ConsoleBrowser.csrf(entry))
            #expect(replayed.status == 303)
            #expect(replayed.headers[.location] == "/console/inbox/1?done=replay")
            let order = try #require(try await api.order("A-1001"))
            let audit = try await api.store.audit(orderID: order.id).filter { $0.operation == "replay_callback" }
            #expect(audit.map(\.summary) == ["callback replayed by ana in the console: rejected (bad_signature) → rejected (bad_signature)"])
            #expect(audit.first?.detail?.hasSuffix("; reason: checking the key") == true)
        }
    }

    @Test("the orders page finds an order by its gateway number, and the CSV export holds exactly the filtered orders")
    func searchAndExport() async throws {
        try await Self.withConsole { api, client, id in
            _ = try await client.create(number: "B-2002", amount: "7.00")
            let order = try #require(try await api.order("A-1001"))
            let gatewayNumber = try #require(order.gatewayOrderNumber)
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("vic", Self.password)
            let found = try await browser.get("/console/orders?number=\(gatewayNumber)&status=&provider=")
            #expect(found.text.contains(#"<a href="/console/orders/\#(id)">A-1001</a>"#))
            #expect(!found.text.contains("B-2002"))
            let csv = try await browser.get("/console/orders.csv?maxAmountMinor=10000")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = csv.text.components(separatedBy: "\r\n")
            #expect(lines.count == 3)
            #expect(lines[0] == "id,account,merchant_order_number,gateway_order_number,provider,amount,amount_minor,currency,status,created_at,updated_at")
            #expect(lines[1].hasPrefix(#""ord_"#))
            #expect(lines[1].contains(#","B-2002","#))
            #expect(lines[2] == "")
            let bad = try await browser.get("/console/orders?minAmountMinor=-1")
            #expect(bad.status == 400)
            #expect(bad.text.contains("minAmountMinor is a whole number of minor units, 0 or more"))
        }
    }

    @Test("the events page lists endpoints and undelivered events; redeliver and recover are audited with the operator's name")
    func eventsPage() async throws {
        try await Self.withConsole { api, client, _ in
            let endpoint = try await client.request(.post, "/v1/endpoints", json: #"{"url":"https://shop.example/paysync"}"#)
            let endpointID = try #require(endpoint.json["id"] as? String)
            _ = try await client.create(number: "B-2002", amount: "7.00")
            let event = try #require(try await api.store.events(EventQuery(account: .default)).events.last)
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("ana", Self.password)
            let page = try await browser.get("/console/events")
            #expect(page.text.contains(#"<tr id="endpoint-\#(endpointID)"><td>\#(endpointID)</td><td>default</td><td>https://shop.example/paysync</td><td>enabled</td>"#))
            #expect(page.text.contains(#"<a href="/console/events/\#(event.id)">\#(event.id)</a></td><td>order.pending</td>"#))
            let order = try #require(try await api.order("B-2002"))
            let orderPage = try await browser.get("/console/orders/\(order.id.rawValue)")
            #expect(orderPage.text.contains(#"<tr><td><a href="/console/events/\#(event.id)">\#(event.id)</a></td><td>order.pending</td>"#))
            let csrf = ConsoleBrowser.csrf(page)
            let redelivered = try await browser.post("/console/events/\(event.id)/redeliver", [("reason", "shop asked")], csrf: csrf)
            #expect(redelivered.status == 303)
            let recovered = try await browser.post(
                "/console/endpoints/\(endpointID)/recover", [("since", "2026-11-24T00:00:00Z"), ("reason", "shop was down")], csrf: csrf)
            #expect(recovered.status == 303)
            let badSince = try await browser.post("/console/endpoints/\(endpointID)/recover", [("since", "yesterday"), ("reason", "x")], csrf: csrf)
            #expect(badSince.status == 400)
            let audit = try await api.store.audit(orderID: order.id).filter { $0.kind == .operator }
            #expect(audit.map(\.summary) == ["redeliver_event by ana in the console: event \(event.id) pending again to 1 endpoint(s)"])
            #expect(audit.map(\.detail) == ["shop asked"])
        }
    }

    @Test("signing out ends the session: its cookie no longer opens a page")
    func signOut() async throws {
        try await Self.withConsole { _, client, _ in
            var browser = ConsoleBrowser(client)
            _ = try await browser.signIn("ana", Self.password)
            let session = try #require(browser.cookies["paysync_session"])
            let out = try await browser.post("/console/logout", [], csrf: ConsoleBrowser.csrf(try await browser.get("/console")))
            #expect(out.status == 303)
            browser.cookies["paysync_session"] = session
            #expect(try await browser.get("/console").status == 303)
        }
    }

    @Test("signing in again from a browser that has a session ends that session: its old cookie opens nothing")
    func signInAgainEndsOldSession() async throws {
        try await Self.withConsole { _, client, _ in
            var browser = ConsoleBrowser(client)
            // Two tabs: the sign-in form loaded in both, then posted from each.
            let form = ConsoleBrowser.csrf(try await browser.get("/console/login"))
            _ = try await browser.post("/console/login", [("name", "ana"), ("password", Self.password)], csrf: form)
            let old = try #require(browser.cookies["paysync_session"])
            #expect(try await browser.post("/console/login", [("name", "vic"), ("password", Self.password)], csrf: form).status == 303)
            let new = try #require(browser.cookies["paysync_session"])
            #expect(new != old)
            #expect(try await browser.get("/console").text.contains(#"<span id="operator">vic (viewer)</span>"#))
            browser.cookies["paysync_session"] = old
            #expect(try await browser.get("/console").status == 303)
        }
    }

    @Test("a CSV cell is quoted, its quotes doubled, and text a spreadsheet would run as a formula is defused")
    func csvCells() {
        #expect(ConsoleController.csvCell("A-1001") == #""A-1001""#)
        #expect(ConsoleController.csvCell(#"say "hi""#) == #""say ""hi""""#)
        #expect(ConsoleController.csvCell("=HYPERLINK(\"x\")") == #""'=HYPERLINK(""x"")""#)
        #expect(ConsoleController.csvCell("-12.50") == #""-12.50""#)
        #expect(ConsoleController.csvCell("@sum") == #""'@sum""#)
        // A number only when the whole cell is one: a formula after a leading number is defused too.
        #expect(ConsoleController.csvCell(#"-1+HYPERLINK("http://x","y")"#) == #""'-1+HYPERLINK(""http://x"",""y"")""#)
    }
}

@Suite("Console page models")
struct ConsolePageModelTests {
    struct Row {
        let name: String
        let note: String?
        let count: Int
        let flags: [Bool]
    }

    struct Page {
        let title: String
        let rows: [Row]
        let missing: Row?
    }

    @Test("a model becomes dictionaries and arrays once: nil properties are left out, nested values converted")
    func tree() throws {
        let tree = ConsolePage.tree(Page(title: "T", rows: [Row(name: "a", note: nil, count: 0, flags: [true])], missing: nil))
        let page = try #require(tree as? [String: Any])
        #expect(page.keys.sorted() == ["rows", "title"])
        #expect(page["title"] as? String == "T")
        let rows = try #require(page["rows"] as? [Any])
        let row = try #require(rows.first as? [String: Any])
        #expect(row.keys.sorted() == ["count", "flags", "name"])
        #expect(row["count"] as? Int == 0)
        #expect(row["flags"] as? [Any] as? [Bool] == [true])
    }
}

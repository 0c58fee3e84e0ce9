import Foundation
import PaySyncCore
import PaySyncEngine
import PaySyncStore
import Testing

@Suite("Merchant order API")
struct OrderAPITests {
    @Test("creating an order submits it to the gateway: 201, pending, with the gateway's number and checkout")
    func create() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let response = try await client.create()
            #expect(response.status == 201)
            #expect(response.json["outcome"] as? String == "created")
            let order = response.order
            #expect(order["merchantOrderNumber"] as? String == "A-1001")
            #expect(order["account"] as? String == "default")
            #expect(order["provider"] as? String == "codepay")
            #expect(order["amount"] as? String == "100.50")
            #expect(order["amountMinor"] as? Int == 10_050)
            #expect(order["currency"] as? String == "USD")
            #expect(order["subject"] as? String == "T-shirt")
            #expect(order["status"] as? String == "pending")
            #expect(order["attempt"] as? Int == 1)
            #expect(order["version"] as? Int == 2)
            #expect(order["createdAt"] as? String == "2026-11-24T16:40:39.000Z")
            let gatewayNumber = try #require(order["gatewayOrderNumber"] as? String)
            #expect(order["checkoutUrl"] as? String == "https://sandbox.invalid/codepay/pay/\(gatewayNumber)")
            let atGateway = try #require(await api.sandbox.ledger.payment(provider: "codepay", number: "A-1001"))
            #expect(atGateway.gatewayNumber == gatewayNumber)
            #expect(atGateway.amount == Money(minorUnits: 10_050, currency: .USD))
            #expect(atGateway.notifyURL == api.callbacks.baseURL + "/callbacks/codepay/default")
            #expect(atGateway.notifyURL.hasPrefix("http://127.0.0.1:"))
        }
    }

    @Test("a create the gateway refuses answers 502 gateway_refused and leaves the order failed")
    func gatewayRefuses() async throws {
        let api = try APIHarness()
        try await api.run { client in
            // The gateway already holds A-1001 with another amount, so it refuses ours.
            _ = try await api.sandbox.ledger.create(provider: "codepay", number: "A-1001", amount: Money(minorUnits: 1, currency: .USD), notifyURL: "x", now: api.clock.now())
            let response = try await client.create()
            #expect(response.status == 502)
            #expect(response.error["code"] == "gateway_refused")
            #expect(response.order["status"] as? String == "failed")
        }
    }

    @Test("a create with no verdict from the gateway answers 202 unknown_at_gateway and is never re-sent blindly")
    func unknownAtGateway() async throws {
        let api = try APIHarness(gatewaysReachable: false)
        try await api.run { client in
            let first = try await client.create()
            #expect(first.status == 202)
            #expect(first.json["outcome"] as? String == "unknown_at_gateway")
            #expect(first.order["status"] as? String == "created")
            #expect((first.json["gatewayError"] as? String)?.hasPrefix("unreachable") == true)
            let again = try await client.create()
            #expect(again.status == 200)
            #expect(again.json["outcome"] as? String == "existing")
            let id = try #require(OrderID(rawValue: first.order["id"] as? String ?? ""))
            #expect(try await api.store.audit(orderID: id).filter { $0.kind == .outbound }.count == 1)
        }
    }

    @Test("repeating the same create returns the same order with 200 existing")
    func idempotentCreate() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let first = try await client.create()
            let second = try await client.create(amount: "100.5")
            #expect(second.status == 200)
            #expect(second.json["outcome"] as? String == "existing")
            #expect(second.order["id"] as? String == first.order["id"] as? String)
            #expect(try await api.store.listOrders(OrderQuery()).orders.count == 1)
        }
    }

    @Test("the same number with another amount, currency or provider is refused with 409 and the field",
          arguments: [("200.00", "USD", "codepay", "amount"), ("100.50", "CNY", "codepay", "currency"), ("100.50", "USD", "payby", "provider")])
    func conflictingCreate(_ amount: String, _ currency: String, _ provider: String, _ field: String) async throws {
        let api = try APIHarness()
        try await api.run { client in
            _ = try await client.create()
            let response = try await client.create(amount: amount, currency: currency, provider: provider)
            #expect(response.status == 409)
            #expect(response.error["code"] == "order_number_conflict")
            #expect(response.error["field"] == field)
        }
    }

    @Test("the same number in another account is another order")
    func numberPerAccount() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let a = try await client.create()
            let b = try await client.create(account: "shop-b")
            #expect(b.status == 201)
            #expect(b.order["id"] as? String != a.order["id"] as? String)
        }
    }

    @Test("creating a paid order again answers 409 order_already_paid with the order", arguments: [
        (OrderInput.paid, "order_already_paid"), (.canceled, "order_already_canceled"),
    ])
    func finalOrdersCannotBePaidAgain(_ input: OrderInput, _ code: String) async throws {
        let api = try APIHarness()
        try await api.run { client in
            let created = try await client.create()
            try await api.settle(created, input)
            let again = try await client.create()
            #expect(again.status == 409)
            #expect(again.error["code"] == code)
            #expect(again.order["id"] as? String == created.order["id"] as? String)
            #expect(again.order["status"] as? String == (input == .paid ? "paid" : "canceled"))
        }
    }

    @Test("creating a failed or expired order again re-initiates it: same id and number, next attempt",
          arguments: [OrderInput.failed, .expired])
    func reinitiation(_ input: OrderInput) async throws {
        let api = try APIHarness()
        try await api.run { client in
            let created = try await client.create()
            try await api.settle(created, input)
            let again = try await client.create()
            #expect(again.status == 200)
            #expect(again.json["outcome"] as? String == "reinitiated")
            #expect(again.order["id"] as? String == created.order["id"] as? String)
            #expect(again.order["merchantOrderNumber"] as? String == "A-1001")
            #expect(again.order["status"] as? String == "pending")
            #expect(again.order["attempt"] as? Int == 2)
            #expect(again.order["gatewayOrderNumber"] as? String == created.order["gatewayOrderNumber"] as? String)
        }
    }

    @Test("paying a failed order again first asks the gateway: a previous attempt paid after all is recorded, not paid twice")
    func preCreationValidation() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let created = try await client.create()
            try await api.settle(created, .failed)
            try await api.sandbox.pay("codepay", "A-1001")  // the attempt was paid; its callback is late
            let again = try await client.create()
            #expect(again.status == 409)
            #expect(again.error["code"] == "order_already_paid")
            #expect(again.order["status"] as? String == "paid")
            #expect(again.order["attempt"] as? Int == 1)
            let order = try #require(try await api.order("A-1001"))
            #expect(try await api.store.events(orderID: order.id).last.map { "\($0.kind):\($0.source.rawValue)" } == "paid:query")
        }
    }

    @Test("an order without a number gets a generated 28-character one")
    func generatedNumber() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let response = try await client.create(number: nil)
            #expect(response.status == 201)
            let number = try #require(response.order["merchantOrderNumber"] as? String)
            #expect(number.count == 28)
            #expect(number.hasPrefix("20261124164039000"))
        }
    }

    @Test("concurrent creates of one number make one order")
    func concurrentCreates() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 { group.addTask { try await client.create().status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 1)
            #expect(statuses.filter { $0 == 200 }.count == 19)
            #expect(try await api.store.listOrders(OrderQuery()).orders.count == 1)
        }
    }

    @Test("reading an order by id and by account and number")
    func read() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create().order["id"] as? String)
            let byID = try await client.request(.get, "/v1/orders/\(id)")
            #expect(byID.status == 200)
            #expect(byID.json["merchantOrderNumber"] as? String == "A-1001")
            let byNumber = try await client.request(.get, "/v1/accounts/default/orders/A-1001")
            #expect(byNumber.status == 200)
            #expect(byNumber.json["id"] as? String == id)
            #expect(try await client.request(.get, "/v1/orders/ord_00000000000000000000").error["code"] == "order_not_found")
            #expect(try await client.request(.get, "/v1/orders/nonsense").status == 404)
            #expect(try await client.request(.get, "/v1/accounts/default/orders/B-1").status == 404)
        }
    }

    @Test("listing filters by status and pages with a cursor, newest first")
    func list() async throws {
        let api = try APIHarness()
        try await api.run { client in
            for index in 0..<5 {
                _ = try await client.create(number: "L-\(index)")
                api.clock.advance(milliseconds: 1_000)
            }
            let first = try await client.request(.get, "/v1/orders?limit=2")
            #expect(first.status == 200)
            #expect((first.json["orders"] as? [[String: Any]])?.compactMap { $0["merchantOrderNumber"] as? String } == ["L-4", "L-3"])
            let cursor = try #require(first.json["nextCursor"] as? String)
            let second = try await client.request(.get, "/v1/orders?limit=2&cursor=\(cursor)")
            #expect((second.json["orders"] as? [[String: Any]])?.compactMap { $0["merchantOrderNumber"] as? String } == ["L-2", "L-1"])
            let created = try await client.request(.get, "/v1/orders?status=pending&provider=codepay&createdFrom=2026-11-24T16:40:42Z")
            #expect((created.json["orders"] as? [[String: Any]])?.compactMap { $0["merchantOrderNumber"] as? String } == ["L-4", "L-3"])
            #expect(created.json["nextCursor"] == nil)
        }
    }

    @Test("listing refuses bad query parameters naming the parameter", arguments: [
        ("status=unpaid", "status"), ("limit=0", "limit"), ("limit=x", "limit"), ("cursor=abc", "cursor"),
        ("createdFrom=yesterday", "createdFrom"), ("sort=asc", "sort"),
    ])
    func listRefusesBadQuery(_ query: String, _ field: String) async throws {
        let api = try APIHarness()
        try await api.run { client in
            let response = try await client.request(.get, "/v1/orders?\(query)")
            #expect(response.status == 400)
            #expect(response.error["code"] == "invalid_query")
            #expect(response.error["field"] == field)
        }
    }

    @Test("the timeline shows events and audit rows in order")
    func timeline() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let id = try #require(try await client.create().order["id"] as? String)
            api.clock.advance(milliseconds: 10)
            _ = try await client.create()
            api.clock.advance(milliseconds: 10)
            _ = try await client.request(.post, "/v1/orders/\(id)/cancel")
            let response = try await client.request(.get, "/v1/orders/\(id)/timeline")
            #expect(response.status == 200)
            let entries = try #require(response.json["entries"] as? [[String: Any]])
            let orderID = try #require(OrderID(rawValue: id))
            let gatewayNumber = try #require(await api.store.order(id: orderID)?.gatewayOrderNumber)
            #expect(entries.map { "\($0["type"]!):\($0["kind"]!):\($0["summary"]!)" } == [
                "audit:inbound:create order -> created",
                "event:created:merchant created the order",
                "audit:outbound:codepay create_payment -> created \(gatewayNumber)",
                "event:submitted:gateway accepted the create",
                "audit:inbound:create order -> existing",
                "audit:inbound:cancel order requested",
                "event:cancelRequested:merchant asked to cancel",
            ])
            #expect(entries[3]["from"] as? String == "created")
            #expect(entries[3]["to"] as? String == "pending")
            #expect(entries[3]["source"] as? String == "gateway")
            #expect(entries[3]["reference"] as? String == gatewayNumber)
            #expect(entries[6]["from"] as? String == "pending")
            #expect(entries[6]["to"] as? String == "closing")
            #expect(entries[6]["source"] as? String == "merchant_api")
        }
    }

    @Test("cancel: an open order moves to closing (202), a failed one is canceled (200), a paid one is refused (409)")
    func cancel() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let open = try #require(try await client.create(number: "C-1").order["id"] as? String)
            let closing = try await client.request(.post, "/v1/orders/\(open)/cancel")
            #expect(closing.status == 202)
            #expect(closing.order["status"] as? String == "closing")

            let failed = try await client.create(number: "C-2")
            try await api.settle(failed, .failed)
            let canceled = try await client.request(.post, "/v1/orders/\(failed.order["id"] as! String)/cancel")
            #expect(canceled.status == 200)
            #expect(canceled.order["status"] as? String == "canceled")

            let paid = try await client.create(number: "C-3")
            try await api.settle(paid, .paid)
            let refused = try await client.request(.post, "/v1/orders/\(paid.order["id"] as! String)/cancel")
            #expect(refused.status == 409)
            #expect(refused.error["code"] == "order_already_paid")
            #expect(refused.order["status"] as? String == "paid")

            #expect(try await client.request(.post, "/v1/orders/ord_00000000000000000000/cancel").status == 404)
        }
    }

    @Test("health answers without a token")
    func health() async throws {
        let api = try APIHarness()
        try await api.run { client in
            let response = try await client.request(.get, "/health", token: nil)
            #expect(response.status == 200)
            #expect(response.text == #"{"status":"ok"}"#)
        }
    }
}

extension APIHarness {
    /// Moves a created order to the status `input` leads to, as a gateway fact would.
    func settle(_ created: APIResponse, _ input: OrderInput) async throws {
        let id = try #require(OrderID(rawValue: created.order["id"] as? String ?? ""))
        let now = clock.now()
        _ = try await store.updateOrder(id: id) {
            $0.change(applying: input, source: .query, evidence: Evidence(summary: "test"), at: now)
        }
    }
}

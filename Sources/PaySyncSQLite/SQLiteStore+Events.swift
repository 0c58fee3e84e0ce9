import GRDB
import PaySyncCore
import PaySyncStore

extension SQLiteStore {
    /// Writes events in the open transaction, each numbered after its account's last, with a
    /// pending delivery to every enabled endpoint of the account that selects its type.
    func insert(_ events: [NewOutboxEvent], _ db: Database) throws {
        for event in events {
            try db.run(
                """
                INSERT INTO outbox (id, account, position, type, order_id, occurred_at, payload)
                VALUES (?, ?, (SELECT coalesce(max(position), 0) + 1 FROM outbox WHERE account = ?), ?, ?, ?, ?)
                """,
                [
                    .text(event.id), .text(event.account.rawValue), .text(event.account.rawValue), .text(event.type.rawValue),
                    .text(event.orderID?.rawValue), .integer(event.occurredAt.millisecondsSinceEpoch), .text(event.payload),
                ])
            try db.run(
                """
                INSERT INTO deliveries (event_id, endpoint_id, status, attempts, retry_from, next_attempt_at)
                SELECT ?, id, 'pending', 0, 0, ? FROM endpoints
                WHERE account = ? AND state = 'enabled' AND (event_types = '' OR instr(event_types, ?) > 0)
                """,
                [.text(event.id), .integer(event.occurredAt.millisecondsSinceEpoch), .text(event.account.rawValue), .text(",\(event.type.rawValue),")])
        }
    }

    public func insertEndpoint(_ endpoint: WebhookEndpoint) async throws {
        let secrets = try EndpointSecret.stored(endpoint.secrets)
        try await writer.write { db in
            try db.cachedStatement(sql: """
                    INSERT INTO endpoints (id, account, url, event_types, state, disabled_reason, description, secrets, failing_since, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: Self.endpointArguments(endpoint, secrets: secrets))
        }
    }

    public func endpoint(id: String) async throws -> WebhookEndpoint? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM endpoints WHERE id = ?"), arguments: [id]).map(Self.endpoint)
        }
    }

    public func endpoints(account: MerchantAccountID?) async throws -> [WebhookEndpoint] {
        try await pool.read { db in
            let rows =
                if let account {
                    try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM endpoints WHERE account = ? ORDER BY created_at, id"), arguments: [account.rawValue])
                } else {
                    try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM endpoints ORDER BY created_at, id"))
                }
            return try rows.map(Self.endpoint)
        }
    }

    public func updateEndpoint(id: String, _ change: @escaping @Sendable (WebhookEndpoint) throws -> WebhookEndpoint) async throws -> WebhookEndpoint {
        try await writer.write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM endpoints WHERE id = ?"), arguments: [id]) else {
                throw StoreError(.endpointNotFound, "no endpoint \(id)")
            }
            let updated = try change(try Self.endpoint(row))
            let (state, reason) = updated.state.columns
            try db.cachedStatement(sql: """
                    UPDATE endpoints SET url = ?, event_types = ?, state = ?, disabled_reason = ?, description = ?, secrets = ?, failing_since = ?,
                      updated_at = ?
                    WHERE id = ?
                    """).execute(arguments: [
                updated.url, updated.types.stored, state, reason, updated.description, try EndpointSecret.stored(updated.secrets),
                updated.failingSince?.millisecondsSinceEpoch, updated.updatedAt.millisecondsSinceEpoch, id,
            ])
            return updated
        }
    }

    public func deleteEndpoint(id: String) async throws {
        try await writer.write { db in
            try db.cachedStatement(sql: "DELETE FROM endpoints WHERE id = ?").execute(arguments: [id])
            guard db.changesCount == 1 else { throw StoreError(.endpointNotFound, "no endpoint \(id)") }
        }
    }

    public func events(_ query: EventQuery) async throws -> EventPage {
        var clauses = ["account = ?", "position > ?"]
        var arguments: StatementArguments = [query.account.rawValue, query.after]
        if !query.types.isEmpty {
            clauses.append("type IN (" + query.types.map { _ in "?" }.joined(separator: ", ") + ")")
            for type in query.types.map(\.rawValue).sorted() { _ = arguments.append(contentsOf: [type]) }
        }
        if let order = query.orderID { clauses.append("order_id = ?"); _ = arguments.append(contentsOf: [order.rawValue]) }
        if let from = query.occurredFrom { clauses.append("occurred_at >= ?"); _ = arguments.append(contentsOf: [from.millisecondsSinceEpoch]) }
        if let before = query.occurredBefore { clauses.append("occurred_at < ?"); _ = arguments.append(contentsOf: [before.millisecondsSinceEpoch]) }
        switch query.delivered {
        case .yes?:
            clauses.append("EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = outbox.id)")
            clauses.append("NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = outbox.id AND d.status <> 'delivered')")
        case .no?:
            clauses.append("EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = outbox.id AND d.status <> 'delivered')")
        case nil:
            break
        }
        let limit = max(1, query.limit)
        let sql = "SELECT * FROM outbox WHERE \(clauses.joined(separator: " AND ")) ORDER BY position LIMIT \(limit + 1)"
        let fetched = try await pool.read { [arguments] db in try Row.fetchAll(db.makeStatement(sql: sql), arguments: arguments).map(Self.outboxEvent) }
        let events = Array(fetched.prefix(limit))
        return EventPage(events: events, last: events.last?.position ?? query.after, hasMore: fetched.count > limit)
    }

    public func event(id: String) async throws -> OutboxEvent? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM outbox WHERE id = ?"), arguments: [id]).map(Self.outboxEvent)
        }
    }

    public func claimDueDeliveries(now: Timestamp, leaseMilliseconds: Int64, perEndpoint: Int, busy: [String: Int], limit: Int) async throws
        -> [DeliveryJob]
    {
        try await writer.write(durable: false) { db in
            var jobs: [DeliveryJob] = []
            let endpoints = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM endpoints WHERE state = 'enabled' ORDER BY id")).map(Self.endpoint)
            for endpoint in endpoints {
                let room = min(perEndpoint - busy[endpoint.id, default: 0], limit - jobs.count)
                guard room > 0 else { continue }
                // One endpoint's due deliveries, through `deliveries_due` (endpoint, due, id).
                let deliveries = try Row.fetchAll(
                    db.cachedStatement(sql: """
                        UPDATE deliveries SET next_attempt_at = ?
                        WHERE id IN (
                          SELECT id FROM deliveries WHERE endpoint_id = ? AND status = 'pending' AND next_attempt_at <= ?
                          ORDER BY next_attempt_at, id LIMIT ?)
                        RETURNING *
                        """),
                    arguments: [now.millisecondsSinceEpoch + leaseMilliseconds, endpoint.id, now.millisecondsSinceEpoch, room]
                ).map(Self.delivery)
                for delivery in deliveries.sorted(by: { $0.id < $1.id }) {
                    guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM outbox WHERE id = ?"), arguments: [delivery.eventID]) else {
                        throw StoreError(.corruptRow, "delivery \(delivery.id) names no event \(delivery.eventID)")
                    }
                    jobs.append(DeliveryJob(delivery: delivery, event: try Self.outboxEvent(row), endpoint: endpoint))
                }
            }
            return jobs
        }
    }

    public func finishDelivery(_ finish: DeliveryFinish) async throws {
        // Not synced on its own (the next synced commit carries it): losing it to a power cut
        // means the event is sent again with the same id, never lost (docs/decisions.md, D48).
        try await writer.write(durable: false) { db in
            let attempt = finish.attempt
            // An endpoint deleted while its delivery was in flight took the delivery with it.
            guard try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM deliveries WHERE id = ?"), arguments: [attempt.deliveryID]) != nil else { return }
            try db.run(
                """
                INSERT INTO delivery_attempts (delivery_id, event_id, endpoint_id, number, at, status_code, error, latency_ms, response)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .integer(attempt.deliveryID), .text(attempt.eventID), .text(attempt.endpointID), .integer(attempt.number),
                    .integer(attempt.at.millisecondsSinceEpoch), .integer(attempt.statusCode), .text(attempt.error),
                    .integer(attempt.latencyMilliseconds), .text(attempt.response),
                ])
            let (status, next): (Delivery.Status, Int64?) =
                switch finish.next {
                case .delivered: (.delivered, nil)
                case .retry(let at): (.pending, at.millisecondsSinceEpoch)
                case .failed: (.failed, nil)
                }
            try db.run(
                "UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ? WHERE id = ?",
                [.text(status.rawValue), .integer(attempt.number), .integer(next), .integer(attempt.deliveryID)])
            switch finish.endpoint {
            case .succeeded:
                try db.run("UPDATE endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL", [.text(attempt.endpointID)])
            case .failing(let since):
                try db.run(
                    "UPDATE endpoints SET failing_since = ? WHERE id = ? AND failing_since IS NULL", [.integer(since.millisecondsSinceEpoch), .text(attempt.endpointID)])
            case .disable(let reason, let since):
                try db.run(
                    """
                    UPDATE endpoints SET state = 'disabled', disabled_reason = ?, failing_since = coalesce(failing_since, ?), updated_at = ?
                    WHERE id = ?
                    """,
                    [.text(reason), .integer(since.millisecondsSinceEpoch), .integer(attempt.at.millisecondsSinceEpoch), .text(attempt.endpointID)])
            }
        }
    }

    public func attempts(eventID: String) async throws -> [DeliveryAttempt] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM delivery_attempts WHERE event_id = ? ORDER BY id"), arguments: [eventID]).map(Self.attempt)
        }
    }

    public func deliveries(eventID: String) async throws -> [Delivery] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM deliveries WHERE event_id = ? ORDER BY id"), arguments: [eventID]).map(Self.delivery)
        }
    }

    public func redeliver(eventID: String, at: Timestamp) async throws -> Int {
        try await writer.write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT account, type FROM outbox WHERE id = ?"), arguments: [eventID]) else {
                throw StoreError(.eventNotFound, "no event \(eventID)")
            }
            let account: String = row["account"]
            let type: String = row["type"]
            try db.cachedStatement(sql: """
                    INSERT INTO deliveries (event_id, endpoint_id, status, attempts, retry_from, next_attempt_at)
                    SELECT ?, id, 'pending', 0, 0, ? FROM endpoints
                    WHERE account = ? AND state = 'enabled' AND (event_types = '' OR instr(event_types, ?) > 0)
                    ON CONFLICT (event_id, endpoint_id) DO UPDATE SET status = 'pending', next_attempt_at = excluded.next_attempt_at,
                      retry_from = deliveries.attempts
                    """).execute(arguments: [eventID, at.millisecondsSinceEpoch, account, ",\(type),"])
            return db.changesCount
        }
    }

    public func recover(endpointID: String, since: Timestamp, at: Timestamp) async throws -> Int {
        try await writer.write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT account, event_types FROM endpoints WHERE id = ?"), arguments: [endpointID]) else {
                throw StoreError(.endpointNotFound, "no endpoint \(endpointID)")
            }
            let account: String = row["account"]
            let types: String = row["event_types"]
            try db.cachedStatement(sql: """
                    INSERT INTO deliveries (event_id, endpoint_id, status, attempts, retry_from, next_attempt_at)
                    SELECT o.id, ?, 'pending', 0, 0, ? FROM outbox o
                    WHERE o.account = ? AND o.occurred_at >= ? AND (? = '' OR instr(?, ',' || o.type || ',') > 0)
                    ORDER BY o.position
                    ON CONFLICT (event_id, endpoint_id) DO UPDATE SET status = 'pending', next_attempt_at = excluded.next_attempt_at,
                      retry_from = deliveries.attempts
                    WHERE deliveries.status <> 'delivered'
                    """).execute(arguments: [endpointID, at.millisecondsSinceEpoch, account, since.millisecondsSinceEpoch, types, types])
            return db.changesCount
        }
    }

    public func nextDeliveryTime() async throws -> Timestamp? {
        try await pool.read { db in
            try Int64.fetchOne(
                db.cachedStatement(sql: """
                    SELECT min(d.next_attempt_at) FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
                    WHERE d.status = 'pending' AND e.state = 'enabled'
                    """)
            ).map(Timestamp.init(millisecondsSinceEpoch:))
        }
    }

    public func eventsWritten() async throws -> Int64 {
        try await pool.read { db in
            // Each account's last position through the (account, position) index, skipping from one
            // account to the next.
            try Int64.fetchOne(
                db.cachedStatement(sql: """
                    WITH RECURSIVE accounts(account) AS (
                      SELECT min(account) FROM outbox
                      UNION ALL SELECT (SELECT min(account) FROM outbox WHERE account > accounts.account) FROM accounts WHERE account IS NOT NULL)
                    SELECT coalesce(sum((SELECT max(position) FROM outbox WHERE outbox.account = accounts.account)), 0)
                    FROM accounts WHERE account IS NOT NULL
                    """)
            ) ?? 0
        }
    }

    // MARK: Rows

    static func endpointArguments(_ endpoint: WebhookEndpoint, secrets: String) -> StatementArguments {
        let (state, reason) = endpoint.state.columns
        return [
            endpoint.id, endpoint.account.rawValue, endpoint.url, endpoint.types.stored, state, reason, endpoint.description, secrets,
            endpoint.failingSince?.millisecondsSinceEpoch, endpoint.createdAt.millisecondsSinceEpoch, endpoint.updatedAt.millisecondsSinceEpoch,
        ]
    }

    static func endpoint(_ row: Row) throws -> WebhookEndpoint {
        let id: String = row["id"]
        let state = WebhookEndpoint.State(state: row["state"], reason: row["disabled_reason"])
        guard let state, let types = EventSelection(stored: row["event_types"]) else { throw StoreError(.corruptRow, "endpoint row \(id) does not decode") }
        let account = try MerchantAccountID(stored: row["account"], row: "endpoint row \(id)")
        let failing: Int64? = row["failing_since"]
        return WebhookEndpoint(
            id: id, account: account, url: row["url"], types: types, state: state, description: row["description"],
            secrets: try EndpointSecret.secrets(stored: row["secrets"]), failingSince: failing.map(Timestamp.init(millisecondsSinceEpoch:)),
            createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]), updatedAt: Timestamp(millisecondsSinceEpoch: row["updated_at"]))
    }

    static func outboxEvent(_ row: Row) throws -> OutboxEvent {
        let id: String = row["id"]
        let orderID: String? = row["order_id"]
        guard let type = EventType(rawValue: row["type"]) else { throw StoreError(.corruptRow, "event row \(id) has an unknown type") }
        let account = try MerchantAccountID(stored: row["account"], row: "event row \(id)")
        return OutboxEvent(
            id: id, position: row["position"], type: type, account: account, orderID: orderID.flatMap(OrderID.init(rawValue:)),
            occurredAt: Timestamp(millisecondsSinceEpoch: row["occurred_at"]), payload: row["payload"])
    }

    static func delivery(_ row: Row) throws -> Delivery {
        let id: Int64 = row["id"]
        guard let status = Delivery.Status(rawValue: row["status"]) else { throw StoreError(.corruptRow, "delivery row \(id) does not decode") }
        let next: Int64? = row["next_attempt_at"]
        return Delivery(
            id: id, eventID: row["event_id"], endpointID: row["endpoint_id"], status: status, attempts: row["attempts"], retryFrom: row["retry_from"],
            nextAttemptAt: next.map(Timestamp.init(millisecondsSinceEpoch:)))
    }

    static func attempt(_ row: Row) throws -> DeliveryAttempt {
        DeliveryAttempt(
            deliveryID: row["delivery_id"], eventID: row["event_id"], endpointID: row["endpoint_id"], number: row["number"],
            at: Timestamp(millisecondsSinceEpoch: row["at"]), statusCode: row["status_code"], error: row["error"], latencyMilliseconds: row["latency_ms"],
            response: row["response"])
    }
}

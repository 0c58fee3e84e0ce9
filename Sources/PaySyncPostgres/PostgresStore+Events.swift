import Logging
import PaySyncCore
import PaySyncStore
import PostgresNIO

extension PostgresStore {
    /// Writes events in the open transaction, each numbered after its account's last (the
    /// account's `event_positions` row stays locked until this transaction ends, so positions
    /// follow commit order), with a pending delivery to every enabled endpoint that selects it.
    static func insert(_ events: [NewOutboxEvent], _ connection: PostgresConnection, _ logger: Logger) async throws {
        for event in events {
            try await connection.query(
                """
                WITH position AS (
                  INSERT INTO event_positions (account, last) VALUES (\(event.account.rawValue), 1)
                  ON CONFLICT (account) DO UPDATE SET last = event_positions.last + 1
                  RETURNING last),
                event AS (
                  INSERT INTO outbox (id, account, position, type, order_id, occurred_at, payload)
                  SELECT \(event.id), \(event.account.rawValue), position.last, \(event.type.rawValue), \(event.orderID?.rawValue),
                    \(event.occurredAt.millisecondsSinceEpoch), \(event.payload) FROM position
                  RETURNING id)
                INSERT INTO deliveries (event_id, endpoint_id, status, attempts, retry_from, next_attempt_at)
                SELECT event.id, endpoints.id, 'pending', 0, 0, \(event.occurredAt.millisecondsSinceEpoch) FROM event, endpoints
                WHERE endpoints.account = \(event.account.rawValue) AND endpoints.state = 'enabled'
                  AND (endpoints.event_types = '' OR strpos(endpoints.event_types, \(",\(event.type.rawValue),")) > 0)
                """, logger: logger)
        }
    }

    public func insertEndpoint(_ endpoint: WebhookEndpoint) async throws {
        let secrets = try EndpointSecret.stored(endpoint.secrets)
        let (state, reason) = endpoint.state.columns
        try await withConnection { connection in
            _ = try await connection.query(
                """
                INSERT INTO endpoints (id, account, url, event_types, state, disabled_reason, description, secrets, failing_since, created_at, updated_at)
                VALUES (\(endpoint.id), \(endpoint.account.rawValue), \(endpoint.url), \(endpoint.types.stored), \(state), \(reason),
                  \(endpoint.description), \(secrets), \(endpoint.failingSince?.millisecondsSinceEpoch), \(endpoint.createdAt.millisecondsSinceEpoch),
                  \(endpoint.updatedAt.millisecondsSinceEpoch))
                """, logger: logger)
        }
    }

    public func endpoint(id: String) async throws -> WebhookEndpoint? {
        try await rows("SELECT * FROM endpoints WHERE id = \(id)").first.map(Self.endpoint)
    }

    public func endpoints(account: MerchantAccountID?) async throws -> [WebhookEndpoint] {
        let rows =
            if let account {
                try await rows("SELECT * FROM endpoints WHERE account = \(account.rawValue) ORDER BY created_at, id")
            } else {
                try await rows("SELECT * FROM endpoints ORDER BY created_at, id")
            }
        return try rows.map(Self.endpoint)
    }

    public func updateEndpoint(id: String, _ change: @escaping @Sendable (WebhookEndpoint) throws -> WebhookEndpoint) async throws -> WebhookEndpoint {
        try await transaction { connection in
            guard let row = try await rows("SELECT * FROM endpoints WHERE id = \(id) FOR UPDATE", connection).first else {
                throw StoreError(.endpointNotFound, "no endpoint \(id)")
            }
            let updated = try change(try Self.endpoint(row))
            let secrets = try EndpointSecret.stored(updated.secrets)
            let (state, reason) = updated.state.columns
            try await connection.query(
                """
                UPDATE endpoints SET url = \(updated.url), event_types = \(updated.types.stored), state = \(state), disabled_reason = \(reason),
                  description = \(updated.description), secrets = \(secrets), failing_since = \(updated.failingSince?.millisecondsSinceEpoch),
                  updated_at = \(updated.updatedAt.millisecondsSinceEpoch)
                WHERE id = \(id)
                """, logger: logger)
            return updated
        }
    }

    public func deleteEndpoint(id: String) async throws {
        let deleted = try await rows("DELETE FROM endpoints WHERE id = \(id) RETURNING id")
        guard !deleted.isEmpty else { throw StoreError(.endpointNotFound, "no endpoint \(id)") }
    }

    public func events(_ query: EventQuery) async throws -> EventPage {
        var binds = PostgresBindings()
        var clauses: [String] = []
        func bind(_ sql: (Int) -> String, _ value: some PostgresDynamicTypeEncodable) {
            binds.append(value)
            clauses.append(sql(binds.count))
        }
        bind({ "account = $\($0)" }, query.account.rawValue)
        bind({ "position > $\($0)" }, query.after)
        if !query.types.isEmpty { bind({ "type = ANY($\($0))" }, query.types.map(\.rawValue).sorted()) }
        if let order = query.orderID { bind({ "order_id = $\($0)" }, order.rawValue) }
        if let from = query.occurredFrom { bind({ "occurred_at >= $\($0)" }, from.millisecondsSinceEpoch) }
        if let before = query.occurredBefore { bind({ "occurred_at < $\($0)" }, before.millisecondsSinceEpoch) }
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
        let fetched = try await rows(
            PostgresQuery(unsafeSQL: "SELECT * FROM outbox WHERE \(clauses.joined(separator: " AND ")) ORDER BY position LIMIT \(limit + 1)", binds: binds)
        ).map(Self.outboxEvent)
        let events = Array(fetched.prefix(limit))
        return EventPage(events: events, last: events.last?.position ?? query.after, hasMore: fetched.count > limit)
    }

    public func event(id: String) async throws -> OutboxEvent? {
        try await rows("SELECT * FROM outbox WHERE id = \(id)").first.map(Self.outboxEvent)
    }

    public func claimDueDeliveries(now: Timestamp, leaseMilliseconds: Int64, perEndpoint: Int, busy: [String: Int], limit: Int) async throws
        -> [DeliveryJob]
    {
        let at = now.millisecondsSinceEpoch
        return try await transaction { connection in
            var jobs: [DeliveryJob] = []
            let endpoints = try await rows("SELECT * FROM endpoints WHERE state = 'enabled' ORDER BY id", connection).map(Self.endpoint)
            for endpoint in endpoints {
                let room = min(perEndpoint - busy[endpoint.id, default: 0], limit - jobs.count)
                guard room > 0 else { continue }
                let claimed = try await rows(
                    """
                    WITH due AS (
                      SELECT id FROM deliveries WHERE endpoint_id = \(endpoint.id) AND status = 'pending' AND next_attempt_at <= \(at)
                      ORDER BY next_attempt_at, id LIMIT \(room) FOR UPDATE SKIP LOCKED)
                    UPDATE deliveries SET next_attempt_at = \(at + leaseMilliseconds) FROM due WHERE deliveries.id = due.id
                    RETURNING deliveries.*
                    """, connection
                ).map(Self.delivery).sorted { $0.id < $1.id }
                guard !claimed.isEmpty else { continue }
                let events = Dictionary(
                    try await rows("SELECT * FROM outbox WHERE id = ANY(\(claimed.map(\.eventID)))", connection).map(Self.outboxEvent).map { ($0.id, $0) },
                    uniquingKeysWith: { first, _ in first })
                for delivery in claimed {
                    guard let event = events[delivery.eventID] else { throw StoreError(.corruptRow, "delivery \(delivery.id) names no event \(delivery.eventID)") }
                    jobs.append(DeliveryJob(delivery: delivery, event: event, endpoint: endpoint))
                }
            }
            return jobs
        }
    }

    public func finishDelivery(_ finish: DeliveryFinish) async throws {
        let attempt = finish.attempt
        let (status, next): (Delivery.Status, Int64?) =
            switch finish.next {
            case .delivered: (.delivered, nil)
            case .retry(let at): (.pending, at.millisecondsSinceEpoch)
            case .failed: (.failed, nil)
            }
        try await transaction { connection in
            // Not flushed before COMMIT returns: losing it to a crash of the server means the event
            // is sent again with the same id, never lost (docs/decisions.md, D48).
            try await connection.query("SET LOCAL synchronous_commit = off", logger: logger)
            // An endpoint deleted while its delivery was in flight took the delivery with it.
            let updated = try await rows(
                """
                UPDATE deliveries SET status = \(status.rawValue), attempts = \(attempt.number), next_attempt_at = \(next)
                WHERE id = \(attempt.deliveryID) RETURNING id
                """, connection)
            guard !updated.isEmpty else { return }
            try await connection.query(
                """
                INSERT INTO delivery_attempts (delivery_id, event_id, endpoint_id, number, at, status_code, error, latency_ms, response)
                VALUES (\(attempt.deliveryID), \(attempt.eventID), \(attempt.endpointID), \(attempt.number), \(attempt.at.millisecondsSinceEpoch),
                  \(attempt.statusCode), \(attempt.error), \(attempt.latencyMilliseconds), \(attempt.response))
                """, logger: logger)
            switch finish.endpoint {
            case .succeeded:
                try await connection.query(
                    "UPDATE endpoints SET failing_since = NULL WHERE id = \(attempt.endpointID) AND failing_since IS NOT NULL", logger: logger)
            case .failing(let since):
                try await connection.query(
                    "UPDATE endpoints SET failing_since = \(since.millisecondsSinceEpoch) WHERE id = \(attempt.endpointID) AND failing_since IS NULL",
                    logger: logger)
            case .disable(let reason, let since):
                try await connection.query(
                    """
                    UPDATE endpoints SET state = 'disabled', disabled_reason = \(reason), failing_since = COALESCE(failing_since, \(since.millisecondsSinceEpoch)),
                      updated_at = \(attempt.at.millisecondsSinceEpoch)
                    WHERE id = \(attempt.endpointID)
                    """, logger: logger)
            }
        }
    }

    public func attempts(eventID: String) async throws -> [DeliveryAttempt] {
        try await rows("SELECT * FROM delivery_attempts WHERE event_id = \(eventID) ORDER BY id").map(Self.attempt)
    }

    public func deliveries(eventID: String) async throws -> [Delivery] {
        try await rows("SELECT * FROM deliveries WHERE event_id = \(eventID) ORDER BY id").map(Self.delivery)
    }

    public func redeliver(eventID: String, at: Timestamp) async throws -> Int {
        try await transaction { connection in
            guard let row = try await rows("SELECT account, type FROM outbox WHERE id = \(eventID)", connection).first else {
                throw StoreError(.eventNotFound, "no event \(eventID)")
            }
            let account = try row["account"].decode(String.self)
            let type = try row["type"].decode(String.self)
            return try await rows(
                """
                INSERT INTO deliveries (event_id, endpoint_id, status, attempts, retry_from, next_attempt_at)
                SELECT \(eventID), id, 'pending', 0, 0, \(at.millisecondsSinceEpoch) FROM endpoints
                WHERE account = \(account) AND state = 'enabled' AND (event_types = '' OR strpos(event_types, \(",\(type),")) > 0)
                ON CONFLICT (event_id, endpoint_id) DO UPDATE SET status = 'pending', next_attempt_at = excluded.next_attempt_at,
                  retry_from = deliveries.attempts
                RETURNING id
                """, connection
            ).count
        }
    }

    public func recover(endpointID: String, since: Timestamp, at: Timestamp) async throws -> Int {
        try await transaction { connection in
            guard let row = try await rows("SELECT account, event_types FROM endpoints WHERE id = \(endpointID)", connection).first else {
                throw StoreError(.endpointNotFound, "no endpoint \(endpointID)")
            }
            let account = try row["account"].decode(String.self)
            let types = try row["event_types"].decode(String.self)
            return try await rows(
                """
                INSERT INTO deliveries (event_id, endpoint_id, status, attempts, retry_from, next_attempt_at)
                SELECT o.id, \(endpointID), 'pending', 0, 0, \(at.millisecondsSinceEpoch) FROM outbox o
                WHERE o.account = \(account) AND o.occurred_at >= \(since.millisecondsSinceEpoch)
                  AND (\(types) = '' OR strpos(\(types), ',' || o.type || ',') > 0)
                ORDER BY o.position
                ON CONFLICT (event_id, endpoint_id) DO UPDATE SET status = 'pending', next_attempt_at = excluded.next_attempt_at,
                  retry_from = deliveries.attempts
                WHERE deliveries.status <> 'delivered'
                RETURNING id
                """, connection
            ).count
        }
    }

    public func nextDeliveryTime() async throws -> Timestamp? {
        let row = try await rows(
            """
            SELECT MIN(d.next_attempt_at) AS due FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
            WHERE d.status = 'pending' AND e.state = 'enabled'
            """
        ).first
        return try row?["due"].decode(Int64?.self).map(Timestamp.init(millisecondsSinceEpoch:))
    }

    public func eventsWritten() async throws -> Int64 {
        try await rows("SELECT coalesce(sum(last), 0)::bigint AS written FROM event_positions").first?["written"].decode(Int64.self) ?? 0
    }

    // MARK: Rows

    static func endpoint(_ row: PostgresRandomAccessRow) throws -> WebhookEndpoint {
        let id = try row["id"].decode(String.self)
        let state = WebhookEndpoint.State(state: try row["state"].decode(String.self), reason: try row["disabled_reason"].decode(String?.self))
        guard let state, let types = EventSelection(stored: try row["event_types"].decode(String.self)) else {
            throw StoreError(.corruptRow, "endpoint row \(id) does not decode")
        }
        let account = try MerchantAccountID(stored: try row["account"].decode(String.self), row: "endpoint row \(id)")
        return WebhookEndpoint(
            id: id, account: account, url: try row["url"].decode(String.self), types: types, state: state,
            description: try row["description"].decode(String.self), secrets: try EndpointSecret.secrets(stored: try row["secrets"].decode(String.self)),
            failingSince: try row["failing_since"].decode(Int64?.self).map(Timestamp.init(millisecondsSinceEpoch:)),
            createdAt: Timestamp(millisecondsSinceEpoch: try row["created_at"].decode(Int64.self)),
            updatedAt: Timestamp(millisecondsSinceEpoch: try row["updated_at"].decode(Int64.self)))
    }

    static func outboxEvent(_ row: PostgresRandomAccessRow) throws -> OutboxEvent {
        let id = try row["id"].decode(String.self)
        guard let type = EventType(rawValue: try row["type"].decode(String.self)) else {
            throw StoreError(.corruptRow, "event row \(id) has an unknown type")
        }
        let account = try MerchantAccountID(stored: try row["account"].decode(String.self), row: "event row \(id)")
        return OutboxEvent(
            id: id, position: try row["position"].decode(Int64.self), type: type, account: account,
            orderID: try row["order_id"].decode(String?.self).flatMap(OrderID.init(rawValue:)),
            occurredAt: Timestamp(millisecondsSinceEpoch: try row["occurred_at"].decode(Int64.self)), payload: try row["payload"].decode(String.self))
    }

    static func delivery(_ row: PostgresRandomAccessRow) throws -> Delivery {
        let id = try row["id"].decode(Int64.self)
        guard let status = Delivery.Status(rawValue: try row["status"].decode(String.self)) else {
            throw StoreError(.corruptRow, "delivery row \(id) does not decode")
        }
        return Delivery(
            id: id, eventID: try row["event_id"].decode(String.self), endpointID: try row["endpoint_id"].decode(String.self), status: status,
            attempts: Int(try row["attempts"].decode(Int64.self)), retryFrom: Int(try row["retry_from"].decode(Int64.self)),
            nextAttemptAt: try row["next_attempt_at"].decode(Int64?.self).map(Timestamp.init(millisecondsSinceEpoch:)))
    }

    static func attempt(_ row: PostgresRandomAccessRow) throws -> DeliveryAttempt {
        DeliveryAttempt(
            deliveryID: try row["delivery_id"].decode(Int64.self), eventID: try row["event_id"].decode(String.self),
            endpointID: try row["endpoint_id"].decode(String.self), number: Int(try row["number"].decode(Int64.self)),
            at: Timestamp(millisecondsSinceEpoch: try row["at"].decode(Int64.self)), statusCode: try row["status_code"].decode(Int64?.self).map(Int.init),
            error: try row["error"].decode(String?.self), latencyMilliseconds: try row["latency_ms"].decode(Int64.self),
            response: try row["response"].decode(String.self))
    }
}

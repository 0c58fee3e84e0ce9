import Foundation
import Logging
import NIOCore
import PaySyncCore
import PaySyncStore
import PostgresNIO

extension PostgresStore {
    public func rejectInbox(_ subject: InboxSubject, reason: String, detail: String, claimedNumber: String?) async throws -> Int64 {
        let outcome = InboxOutcome(verdict: .rejected, reason: reason, detail: detail, merchantOrderNumber: claimedNumber)
        switch subject {
        case .new(let entry):
            return try await withConnection { connection in try await insert(entry, id: nil, outcome, connection) }
        case .recorded(let id):
            try await withConnection { connection in try await setOutcome(id, outcome, connection) }
            return id
        }
    }

    public func resolveInbox(
        _ subject: InboxSubject, provider: ProviderID, account: MerchantAccountID, dedupKey: String, target: CallbackTarget,
        _ decide: @escaping @Sendable (CallbackRecord?, Int64) throws -> CallbackDecision
    ) async throws -> InboxResolution {
        try await resolve(subject, provider: provider, dedupKey: dedupKey) { id, connection in
            let (earlier, record) = try await match(id, provider: provider, dedupKey: dedupKey, target: target, account: account, connection)
            if let earlier { return (.duplicate(of: earlier), .duplicate(of: earlier, target: target)) }
            let decision = try decide(record, id)
            try await apply(decision.change, to: record, connection)
            return (.decided(decision.verdict, reason: decision.reason), decision.outcome(dedupKey: dedupKey, target: target, record: record))
        }
    }

    /// Writes a decision's change to the record it was decided on. An order's change needs the
    /// order; a refund's or payout's audit rows are written even when no record matched.
    func apply(_ change: CallbackDecision.Change?, to record: CallbackRecord?, _ connection: PostgresConnection) async throws {
        switch (change, record) {
        case (nil, _), (.order, nil):
            return
        case (.order(let change), .order(let order)?):
            try await Self.commit(change, to: order, connection, logger)
        case (.refund(let refund, let audit), nil):
            if let refund { try await Self.update(refund, over: nil, connection, logger) }
            try await Self.insert(audit, connection, logger)
        case (.refund(let refund, let audit), .refund(let before)?):
            if let refund { try await Self.update(refund, over: before, connection, logger) }
            try await Self.insert(audit, connection, logger)
        case (.payout(let payout, let audit), nil):
            if let payout { try await Self.update(payout, over: nil, connection, logger) }
            try await Self.insert(audit, connection, logger)
        case (.payout(let payout, let audit), .payout(let before)?):
            if let payout { try await Self.update(payout, over: before, connection, logger) }
            try await Self.insert(audit, connection, logger)
        case (.order, _?), (.refund, _?), (.payout, _?):
            throw StoreError(.mismatchedRecord, "a callback's change is for another kind of record than the one it matched")
        }
    }

    /// One transaction for a callback's resolution, its first statement the advisory lock of its
    /// dedup key (resolutions of one key serialize, so the second always sees the first's entry;
    /// the unique index stays the backstop). A `.new` subject's entry is inserted last, with its
    /// verdict, under an id taken with the lock: one statement fewer than an insert and an
    /// update. When the resolution does not commit, the raw request is recorded `received` on its
    /// own (start-up resolves it again); only if that fails too does the caller hear an error.
    func resolve(
        _ subject: InboxSubject, provider: ProviderID, dedupKey: String,
        _ body: (Int64, PostgresConnection) async throws -> (InboxResolution.Outcome, InboxOutcome)
    ) async throws -> InboxResolution {
        let key = provider.rawValue + "\n" + dedupKey
        switch subject {
        case .recorded(let id):
            do {
                let resolution = try await transaction { connection in
                    try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(key), 7411))", logger: logger)
                    let (resolution, outcome) = try await body(id, connection)
                    try await setOutcome(id, outcome, connection)
                    return resolution
                }
                return InboxResolution(id: id, outcome: resolution)
            } catch {
                return InboxResolution(id: id, outcome: .notCommitted(error))
            }
        case .new(let entry):
            var taken: Int64?
            do {
                return try await transaction { connection in
                    let id = try await rows(
                        "SELECT pg_advisory_xact_lock(hashtextextended(\(key), 7411)), nextval('inbox_id_seq') AS id", connection
                    )[0]["id"].decode(Int64.self)
                    taken = id
                    let (resolution, outcome) = try await body(id, connection)
                    try await insert(entry, id: id, outcome, connection)
                    return InboxResolution(id: id, outcome: resolution)
                }
            } catch {
                let id = try await withConnection { connection in try await insert(entry, id: taken, .received, connection) }
                return InboxResolution(id: id, outcome: .notCommitted(error))
            }
        }
    }

    /// The earlier entry of `provider` carrying `dedupKey` (entry `id` is then its duplicate), and
    /// the record `target` names in `account`, locked, if there is one: one statement.
    func match(
        _ id: Int64, provider: ProviderID, dedupKey: String, target: CallbackTarget, account: MerchantAccountID, _ connection: PostgresConnection
    ) async throws -> (earlier: Int64?, record: CallbackRecord?) {
        let (table, numberColumn) =
            switch target {
            case .order: ("orders", "merchant_order_number")
            case .refund: ("refunds", "refund_number")
            case .payout: ("payouts", "payout_number")
            }
        let number = target.number
        var binds = PostgresBindings()
        binds.append(provider.rawValue)
        binds.append(dedupKey)
        binds.append(id)
        binds.append(account.rawValue)
        binds.append(number)
        // The lateral join keeps the one result row when no row matches (its columns then NULL);
        // FOR UPDATE inside it locks the row when one does.
        let found = try await rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT (SELECT id FROM inbox WHERE provider = $1 AND dedup_key = $2 AND id <> $3) AS paysync_earlier, t.*
                    FROM (SELECT 1) AS one
                    LEFT JOIN LATERAL (SELECT * FROM \(table) WHERE account = $4 AND \(numberColumn) = $5 FOR UPDATE) t ON true
                    """, binds: binds),
            connection)[0]
        let earlier = try found["paysync_earlier"].decode(Int64?.self)
        guard try found["id"].decode(String?.self) != nil else { return (earlier, nil) }
        switch target {
        case .order: return (earlier, .order(try Self.order(found, currencies)))
        case .refund: return (earlier, .refund(try Self.refund(found, currencies)))
        case .payout: return (earlier, .payout(try Self.payout(found, currencies)))
        }
    }

    /// Inserts a raw callback with its outcome, under `id` or the next one; returns its id.
    @discardableResult
    func insert(_ entry: NewInboxEntry, id: Int64?, _ outcome: InboxOutcome, _ connection: PostgresConnection) async throws -> Int64 {
        let inserted = try await rows(
            """
            INSERT INTO inbox (id, provider, account, received_at, remote_address, headers, body, verdict, reason, detail, dedup_key,
              merchant_order_number, order_id, duplicate_of)
            VALUES (COALESCE(\(id), nextval('inbox_id_seq')), \(entry.provider.rawValue), \(entry.account.rawValue),
              \(entry.receivedAt.millisecondsSinceEpoch), \(entry.remoteAddress), \(try Self.storedHeaders(entry.headers)), \(ByteBuffer(bytes: entry.body)),
              \(outcome.verdict.rawValue), \(outcome.reason), \(outcome.detail), \(outcome.dedupKey), \(outcome.merchantOrderNumber),
              \(outcome.orderID?.rawValue), \(outcome.duplicateOf))
            RETURNING id
            """, connection)
        return try inserted[0]["id"].decode(Int64.self)
    }

    /// Writes a recorded entry's outcome (a replay, or a rejection of one).
    func setOutcome(_ id: Int64, _ outcome: InboxOutcome, _ connection: PostgresConnection) async throws {
        var binds = PostgresBindings()
        binds.append(outcome.verdict.rawValue)
        binds.append(outcome.reason)
        binds.append(outcome.detail)
        binds.append(outcome.dedupKey)
        binds.append(outcome.merchantOrderNumber)
        binds.append(outcome.orderID?.rawValue)
        binds.append(outcome.duplicateOf)
        binds.append(id)
        // What the entry was matched on is only ever added, never cleared: a duplicate's is the
        // earlier entry's and a rejection matched nothing, so theirs stays as it was.
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE inbox SET verdict = $1, reason = $2, detail = $3, dedup_key = COALESCE($4, dedup_key),
                      merchant_order_number = COALESCE($5, merchant_order_number), order_id = COALESCE($6, order_id), duplicate_of = COALESCE($7, duplicate_of)
                    WHERE id = $8
                    """, binds: binds), logger: logger)
    }

    /// The headers as PostgreSQL stores them: a JSON object with sorted keys (text).
    static func storedHeaders(_ headers: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(headers), as: UTF8.self)
    }

    public func inboxEntry(id: Int64) async throws -> InboxEntry? {
        try await rows("SELECT * FROM inbox WHERE id = \(id)").first.map(Self.inboxEntry)
    }

    public func inbox(_ query: InboxQuery) async throws -> InboxPage {
        var binds = PostgresBindings()
        let conditions = query.conditions.map { condition in
            switch condition.value {
            case .text(let text): binds.append(text)
            case .integer(let integer): binds.append(integer)
            }
            return "\(condition.column) \(condition.comparison) $\(binds.count)"
        }
        let limit = max(1, query.limit)
        let sql = "SELECT * FROM inbox" + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY id DESC LIMIT \(limit + 1)"
        return InboxPage(fetched: try await rows(PostgresQuery(unsafeSQL: sql, binds: binds)).map(Self.inboxEntry), limit: limit)
    }

    public func reopenInbox(id: Int64) async throws -> Bool {
        try await !rows("UPDATE inbox SET verdict = 'received', reason = NULL, detail = NULL WHERE id = \(id) AND verdict IN ('rejected', 'parked') RETURNING id")
            .isEmpty
    }

    public func inboxEntries(account: MerchantAccountID, naming numbers: [String], limit: Int) async throws -> [InboxEntry] {
        guard !numbers.isEmpty else { return [] }
        return try await rows(
            "SELECT * FROM inbox WHERE account = \(account.rawValue) AND merchant_order_number = ANY(\(numbers)) ORDER BY id DESC LIMIT \(max(0, limit))"
        ).map(Self.inboxEntry).reversed()
    }

    public func parkedInbox(provider: ProviderID, account: MerchantAccountID, merchantOrderNumber: String) async throws -> [InboxEntry] {
        try await rows(
            """
            SELECT * FROM inbox WHERE provider = \(provider.rawValue) AND account = \(account.rawValue)
              AND merchant_order_number = \(merchantOrderNumber) AND verdict = 'parked' ORDER BY id
            """
        ).map(Self.inboxEntry)
    }

    public func unresolvedInbox(limit: Int) async throws -> [InboxEntry] {
        try await rows("SELECT * FROM inbox WHERE verdict = 'received' ORDER BY id LIMIT \(limit)").map(Self.inboxEntry)
    }

    static func inboxEntry(_ row: PostgresRandomAccessRow) throws -> InboxEntry {
        let id = try row["id"].decode(Int64.self)
        guard let provider = try? ProviderID(try row["provider"].decode(String.self)),
            let account = try? MerchantAccountID(try row["account"].decode(String.self)),
            let verdict = InboxVerdict(rawValue: try row["verdict"].decode(String.self))
        else { throw StoreError(.corruptRow, "inbox row \(id) does not decode") }
        let headers: [String: String]
        do {
            headers = try JSONDecoder().decode([String: String].self, from: Data(try row["headers"].decode(String.self).utf8))
        } catch {
            throw StoreError(.corruptRow, "inbox row \(id): headers do not decode: \(error)")
        }
        return InboxEntry(
            id: id, provider: provider, account: account, receivedAt: Timestamp(millisecondsSinceEpoch: try row["received_at"].decode(Int64.self)),
            remoteAddress: try row["remote_address"].decode(String?.self), headers: headers,
            body: Array(try row["body"].decode(ByteBuffer.self).readableBytesView),
            outcome: InboxOutcome(
                verdict: verdict, reason: try row["reason"].decode(String?.self), detail: try row["detail"].decode(String?.self),
                dedupKey: try row["dedup_key"].decode(String?.self), merchantOrderNumber: try row["merchant_order_number"].decode(String?.self),
                orderID: try row["order_id"].decode(String?.self).flatMap(OrderID.init(rawValue:)), duplicateOf: try row["duplicate_of"].decode(Int64?.self)))
    }

    // MARK: Refunds

    public func insertRefund(
        orderID: OrderID, _ make: @escaping @Sendable (Order, [Refund]) throws -> (Refund, [AuditRecord])
    ) async throws -> Refund {
        try await transaction { connection in
                guard let row = try await rows("SELECT * FROM orders WHERE id = \(orderID.rawValue) FOR UPDATE", connection).first else {
                    throw StoreError(.orderNotFound, "no order \(orderID)")
                }
                let order = try Self.order(row, currencies)
                let existing = try await rows("SELECT * FROM refunds WHERE order_id = \(orderID.rawValue) ORDER BY created_at, id", connection)
                    .map { try Self.refund($0, currencies) }
                let (refund, audit) = try make(order, existing)
                do {
                  try await connection.query(
                    """
                    INSERT INTO refunds (id, order_id, account, provider, refund_number, amount_minor, currency, reason, status, gateway_refund_number,
                      next_check_at, failures, created_at, updated_at)
                    VALUES (\(refund.id), \(orderID.rawValue), \(refund.account.rawValue), \(refund.provider.rawValue), \(refund.refundNumber),
                      \(refund.amount.minorUnits), \(refund.amount.currency.code), \(refund.reason), \(refund.status.rawValue), \(refund.gatewayRefundNumber),
                      \(refund.nextCheckAt?.millisecondsSinceEpoch), \(refund.failures), \(refund.createdAt.millisecondsSinceEpoch),
                      \(refund.updatedAt.millisecondsSinceEpoch))
                    """, logger: logger)
                } catch where Self.isUniqueViolation(error) {
                    throw StoreError(.duplicateRefundNumber, "refund number \(refund.refundNumber) already exists for account \(refund.account)")
                }
                try await Self.insert(audit, connection, logger)
                try await Self.insert(Outbox.refundChanged(from: nil, to: refund), connection, logger)
                return refund
        }
    }

    public func updateRefund(id: String, _ change: @escaping @Sendable (Refund) throws -> (Refund?, [AuditRecord])) async throws -> Refund {
        try await transaction { connection in
            guard let row = try await rows("SELECT * FROM refunds WHERE id = \(id) FOR UPDATE", connection).first else {
                throw StoreError(.refundNotFound, "no refund \(id)")
            }
            let current = try Self.refund(row, currencies)
            let (updated, audit) = try change(current)
            if let updated { try await Self.update(updated, over: current, connection, logger) }
            try await Self.insert(audit, connection, logger)
            return updated ?? current
        }
    }

    public func refunds(orderID: OrderID) async throws -> [Refund] {
        try await rows("SELECT * FROM refunds WHERE order_id = \(orderID.rawValue) ORDER BY created_at, id").map { try Self.refund($0, currencies) }
    }

    public func claimDueRefunds(now: Timestamp, leaseMilliseconds: Int64, limit: Int) async throws -> [Refund] {
        try await claimDue(in: "refunds", now: now, leaseMilliseconds: leaseMilliseconds, limit: limit, Self.refund, id: \.id, due: \.nextCheckAt)
    }

    /// Follow-ups of `table` (refunds, payouts) due at `now`, earliest first; each is pushed
    /// `leaseMilliseconds` ahead (`SKIP LOCKED`: concurrent claimers take disjoint rows) and returned
    /// as it was when due.
    func claimDue<Record>(
        in table: String, now: Timestamp, leaseMilliseconds: Int64, limit: Int, _ decode: (PostgresRandomAccessRow, CurrencyRegistry) throws -> Record,
        id: KeyPath<Record, String>, due: WritableKeyPath<Record, Timestamp?>
    ) async throws -> [Record] {
        let at = now.millisecondsSinceEpoch
        var binds = PostgresBindings()
        binds.append(at)
        binds.append(limit)
        binds.append(at + leaseMilliseconds)
        let rows = try await rows(
            PostgresQuery(
                unsafeSQL: """
                    WITH due AS (
                      SELECT id, next_check_at FROM \(table) WHERE next_check_at IS NOT NULL AND next_check_at <= $1
                      ORDER BY next_check_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                    UPDATE \(table) SET next_check_at = $3 FROM due WHERE \(table).id = due.id
                    RETURNING \(table).*, due.next_check_at AS due_at
                    """, binds: binds))
        return try rows.map { row in
            var record = try decode(row, currencies)
            record[keyPath: due] = Timestamp(millisecondsSinceEpoch: try row["due_at"].decode(Int64.self))
            return record
        }.sorted { ($0[keyPath: due]?.millisecondsSinceEpoch ?? 0, $0[keyPath: id]) < ($1[keyPath: due]?.millisecondsSinceEpoch ?? 0, $1[keyPath: id]) }
    }
}

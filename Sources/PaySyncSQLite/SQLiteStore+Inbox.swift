import Foundation
import GRDB
import GRDBSQLite
import PaySyncCore
import PaySyncStore

extension SQLiteStore {
    public func rejectInbox(_ subject: InboxSubject, reason: String, detail: String, claimedNumber: String?) async throws -> Int64 {
        let outcome = InboxOutcome(verdict: .rejected, reason: reason, detail: detail, merchantOrderNumber: claimedNumber)
        switch subject {
        case .new(let entry):
            let headers = Self.storedHeaders(entry.headers)
            return try await writer.write { [self] db in try insert(entry, headers: headers, outcome, db) }
        case .recorded(let id):
            try await writer.write { db in try Self.setOutcome(id, outcome, db) }
            return id
        }
    }

    public func resolveInbox(
        _ subject: InboxSubject, provider: ProviderID, account: MerchantAccountID, dedupKey: String, target: CallbackTarget,
        _ decide: @escaping @Sendable (CallbackRecord?, Int64) throws -> CallbackDecision
    ) async throws -> InboxResolution {
        try await resolve(subject) { [self] id, db in
            if let earlier = try Self.earlierEntry(id, provider: provider, dedupKey: dedupKey, db) { return (.duplicate(of: earlier), .duplicate(of: earlier, target: target)) }
            let record = try self.record(target, account: account, db)
            let decision = try decide(record, id)
            try apply(decision.change, to: record, db)
            return (.decided(decision.verdict, reason: decision.reason), decision.outcome(dedupKey: dedupKey, target: target, record: record))
        }
    }

    /// The record a callback names, in the transaction that holds the writer (SQLite's lock).
    func record(_ target: CallbackTarget, account: MerchantAccountID, _ db: Database) throws -> CallbackRecord? {
        switch target {
        case .order(let number):
            return try Self.fetchOrder(Self.orderByNumberSQL, [.text(account.rawValue), .text(number)], currencies, db).map(CallbackRecord.order)
        case .refund(let number):
            return try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM refunds WHERE account = ? AND refund_number = ?"), arguments: [account.rawValue, number]
            ).map { .refund(try Self.refund($0, currencies)) }
        case .payout(let number):
            return try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM payouts WHERE account = ? AND payout_number = ?"), arguments: [account.rawValue, number]
            ).map { .payout(try Self.payout($0, currencies)) }
        }
    }

    /// Writes a decision's change to the record it was decided on. An order's change needs the
    /// order; a refund's or payout's audit rows are written even when no record matched.
    func apply(_ change: CallbackDecision.Change?, to record: CallbackRecord?, _ db: Database) throws {
        switch (change, record) {
        case (nil, _), (.order, nil):
            return
        case (.order(let change), .order(let order)?):
            try commit(change, to: order, db)
        case (.refund(let refund, let audit), nil):
            if let refund { try update(refund, over: nil, db) }
            try insert(audit, db)
        case (.refund(let refund, let audit), .refund(let before)?):
            if let refund { try update(refund, over: before, db) }
            try insert(audit, db)
        case (.payout(let payout, let audit), nil):
            if let payout { try update(payout, over: nil, db) }
            try insert(audit, db)
        case (.payout(let payout, let audit), .payout(let before)?):
            if let payout { try update(payout, over: before, db) }
            try insert(audit, db)
        case (.order, _?), (.refund, _?), (.payout, _?):
            throw StoreError(.mismatchedRecord, "a callback's change is for another kind of record than the one it matched")
        }
    }

    /// One write for a callback's resolution. A `.new` subject is written once, with its verdict,
    /// when `body` succeeds; when `body` throws, its writes roll back and the entry is written
    /// `received` instead (start-up resolves it again). Either way the raw request is recorded in
    /// the transaction that resolved it.
    func resolve(
        _ subject: InboxSubject, _ body: @escaping @Sendable (Int64, Database) throws -> (InboxResolution.Outcome, InboxOutcome)
    ) async throws -> InboxResolution {
        switch subject {
        case .recorded(let id):
            do {
                return InboxResolution(
                    id: id,
                    outcome: try await writer.write { db in
                        let (resolution, outcome) = try body(id, db)
                        try Self.setOutcome(id, outcome, db)
                        return resolution
                    })
            } catch {
                return InboxResolution(id: id, outcome: .notCommitted(error))
            }
        case .new(let entry):
            // Encoded before the write: the writer is the one serial part of ingestion.
            let headers = Self.storedHeaders(entry.headers)
            // In the batch's fast attempt the resolution runs bare: if it throws, the batch runs again
            // isolated, where the savepoint below leaves nothing behind when it throws, and if
            // the fallback `INSERT` throws nothing was written.
            return try await writer.write(handlingFailure: { [self] db, isolated in
                let id = try nextInboxID(db)
                let resolved = {
                    let (resolution, outcome) = try body(id, db)
                    try self.insert(entry, headers: headers, outcome, id: id, db)
                    return InboxResolution(id: id, outcome: resolution)
                }
                guard isolated else { return try resolved() }
                do {
                    return try db.inCachedSavepoint("resolve", resolved)
                } catch {
                    try insert(entry, headers: headers, .received, id: id, db)
                    return InboxResolution(id: id, outcome: .notCommitted(error))
                }
            })
        }
    }

    /// Inserts a raw callback with its outcome (`id` defaults to the next inbox id); returns its id.
    /// Every inbox row is inserted here: ids are handed out by the write transaction (see
    /// `nextInboxID`), so none may be left to SQLite.
    @discardableResult
    func insert(_ entry: NewInboxEntry, headers: String, _ outcome: InboxOutcome, id: Int64? = nil, _ db: Database) throws -> Int64 {
        let id = try id ?? nextInboxID(db)
        try db.run(
            """
            INSERT INTO inbox (id, provider, account, received_at, remote_address, headers, body, verdict, reason, detail, dedup_key,
              merchant_order_number, order_id, duplicate_of)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(id), .text(entry.provider.rawValue), .text(entry.account.rawValue), .integer(entry.receivedAt.millisecondsSinceEpoch),
                .text(entry.remoteAddress), .text(headers), .blob(entry.body), .text(outcome.verdict.rawValue), .text(outcome.reason),
                .text(outcome.detail), .text(outcome.dedupKey), .text(outcome.merchantOrderNumber), .text(outcome.orderID?.rawValue),
                .integer(outcome.duplicateOf),
            ])
        return id
    }

    /// Writes a recorded entry's outcome (a replay, or a rejection of one). What it was matched on
    /// is only ever added, never cleared: a duplicate's is the earlier entry's and a rejection
    /// matched nothing, so theirs stays as it was.
    static func setOutcome(_ id: Int64, _ outcome: InboxOutcome, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                UPDATE inbox SET verdict = ?, reason = ?, detail = ?, dedup_key = COALESCE(?, dedup_key),
                  merchant_order_number = COALESCE(?, merchant_order_number), order_id = COALESCE(?, order_id), duplicate_of = COALESCE(?, duplicate_of)
                WHERE id = ?
                """
        ).execute(arguments: [
            outcome.verdict.rawValue, outcome.reason, outcome.detail, outcome.dedupKey, outcome.merchantOrderNumber, outcome.orderID?.rawValue,
            outcome.duplicateOf, id,
        ])
    }

    /// The earlier entry of `provider` carrying `dedupKey`, if any: entry `id` is then its
    /// duplicate. The dedup horizon is the table itself.
    static func earlierEntry(_ id: Int64, provider: ProviderID, dedupKey: String, _ db: Database) throws -> Int64? {
        try db.first("SELECT id FROM inbox WHERE provider = ? AND dedup_key = ? AND id != ?", [.text(provider.rawValue), .text(dedupKey), .integer(id)]) {
            sqlite3_column_int64($0, 0)
        }
    }

    public func inboxEntry(id: Int64) async throws -> InboxEntry? {
        try await pool.read { db in try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM inbox WHERE id = ?"), arguments: [id]).map(Self.inboxEntry) }
    }

    public func inbox(_ query: InboxQuery) async throws -> InboxPage {
        var arguments = StatementArguments()
        let conditions = query.conditions.map { condition in
            switch condition.value {
            case .text(let text): _ = arguments.append(contentsOf: [text])
            case .integer(let integer): _ = arguments.append(contentsOf: [integer])
            }
            return "\(condition.column) \(condition.comparison) ?"
        }
        let limit = max(1, query.limit)
        let sql = "SELECT * FROM inbox" + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY id DESC LIMIT \(limit + 1)"
        let fetched = try await pool.read { [arguments] db in try Row.fetchAll(db.makeStatement(sql: sql), arguments: arguments).map(Self.inboxEntry) }
        return InboxPage(fetched: fetched, limit: limit)
    }

    public func reopenInbox(id: Int64) async throws -> Bool {
        try await writer.write { db in
            try db.cachedStatement(sql: "UPDATE inbox SET verdict = 'received', reason = NULL, detail = NULL WHERE id = ? AND verdict IN ('rejected', 'parked')")
                .execute(arguments: [id])
            return db.changesCount == 1
        }
    }

    public func inboxEntries(account: MerchantAccountID, naming numbers: [String], limit: Int) async throws -> [InboxEntry] {
        guard !numbers.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: numbers.count).joined(separator: ", ")
        let arguments = StatementArguments([account.rawValue] + numbers + [max(0, limit)])
        return try await pool.read { db in
            try Row.fetchAll(
                db.makeStatement(sql: "SELECT * FROM inbox WHERE account = ? AND merchant_order_number IN (\(marks)) ORDER BY id DESC LIMIT ?"), arguments: arguments
            ).map(Self.inboxEntry).reversed()
        }
    }

    public func parkedInbox(provider: ProviderID, account: MerchantAccountID, merchantOrderNumber: String) async throws -> [InboxEntry] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM inbox WHERE provider = ? AND account = ? AND merchant_order_number = ? AND verdict = 'parked' ORDER BY id"),
                arguments: [provider.rawValue, account.rawValue, merchantOrderNumber]
            ).map(Self.inboxEntry)
        }
    }

    public func unresolvedInbox(limit: Int) async throws -> [InboxEntry] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM inbox WHERE verdict = 'received' ORDER BY id LIMIT ?"), arguments: [limit]).map(Self.inboxEntry)
        }
    }

    static func inboxEntry(_ row: Row) throws -> InboxEntry {
        let id: Int64 = row["id"]
        guard let provider = try? ProviderID(row["provider"]), let account = try? MerchantAccountID(row["account"]),
            let verdict = InboxVerdict(rawValue: row["verdict"])
        else { throw StoreError(.corruptRow, "inbox row \(id) does not decode") }
        let headers: [String: String]
        do { headers = try Self.headers(stored: row["headers"]) } catch { throw StoreError(.corruptRow, "inbox row \(id): headers do not decode: \(error)") }
        let orderID: String? = row["order_id"]
        let body: Data = row["body"]
        return InboxEntry(
            id: id, provider: provider, account: account, receivedAt: Timestamp(millisecondsSinceEpoch: row["received_at"]),
            remoteAddress: row["remote_address"], headers: headers, body: Array(body),
            outcome: InboxOutcome(
                verdict: verdict, reason: row["reason"], detail: row["detail"], dedupKey: row["dedup_key"], merchantOrderNumber: row["merchant_order_number"],
                orderID: orderID.flatMap(OrderID.init(rawValue:)), duplicateOf: row["duplicate_of"]))
    }
}

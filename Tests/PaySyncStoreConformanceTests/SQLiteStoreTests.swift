import Foundation
import Dispatch
import Synchronization
import PaySyncCore
import GRDB
import GRDBSQLite
@testable import PaySyncSQLite
import PaySyncStore
import Testing

/// What only the SQLite driver promises: a file that survives a reopen, migrations that run once.
@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("orders, events and audit rows survive closing and reopening the file")
    func survivesReopen() async throws {
        let path = temporaryPath("reopen") + ".sqlite"
        let order = Fixture.order("A-1001")
        let first = try SQLiteStore(path: path)
        try await first.insert(order)
        try await first.close()
        let second = try SQLiteStore(path: path)
        #expect(try await second.order(id: order.id) == order)
        #expect(try await second.events(orderID: order.id).count == 1)
        #expect(try await second.audit(orderID: order.id).count == 1)
        try await second.close()
    }

    @Test("inbox ids and the timeline's sequence numbers are counted per write transaction: unique under concurrent writers, never reused after a rollback or a reopen")
    func writeCountersContinue() async throws {
        let path = temporaryPath("counters") + ".sqlite"
        let first = try SQLiteStore(path: path)
        let order = Fixture.order("A-1001")
        try await first.insert(order)
        // 40 concurrent writers share transactions: each gets its own id and sequence number.
        let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
            for n in 0..<40 {
                group.addTask {
                    try await first.appendAudit([AuditRecord(orderID: order.id, kind: .inbound, summary: "note \(n)", at: Fixture.t0)])
                    return try await first.recordUnresolved(InboxRefundConformanceTests.entry("{\"n\":\(n)}"))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(ids.sorted() == Array(1...40))
        // A write that rolls back leaves a gap at most: the next ones still count up.
        struct Broken: Error {}
        await #expect(throws: Broken.self) {
            try await first.updateOrder(id: order.id) { _ -> OrderChange<Void> in throw Broken() }
        }
        #expect(try await first.recordUnresolved(InboxRefundConformanceTests.entry("{}")) == 41)
        try await first.close()
        let second = try SQLiteStore(path: path)
        #expect(try await second.recordUnresolved(InboxRefundConformanceTests.entry("{}")) == 42)
        try await second.appendAudit([AuditRecord(orderID: order.id, kind: .inbound, summary: "after reopen", at: Fixture.t0)])
        let sequence = try await second.pool.read { db in try Int64.fetchAll(db, sql: "SELECT seq FROM audit_log ORDER BY seq") + Int64.fetchAll(db, sql: "SELECT seq FROM order_events") }
        #expect(Set(sequence).count == sequence.count)
        #expect(sequence.count == 43)  // the order's creation: an audit row and an event; 40 notes; one after reopening
        let summaries = try await second.timeline(orderID: order.id).compactMap { if case .audit(let record) = $0 { record.summary } else { nil } }
        #expect(summaries.last == "after reopen")
        try await second.close()
    }

    @Test("a write counter counts on from the database's last number inside a transaction, and refuses outside one")
    func writeCounterNeedsATransaction() throws {
        let queue = try DatabaseQueue()
        let counters = WriteCounters()
        #expect(throws: DatabaseError.self) {
            try queue.writeWithoutTransaction { db in try counters.next(\.sequence, db) { _ in 7 } }
        }
        let numbers = try queue.write { db in
            [try counters.next(\.sequence, db) { _ in 7 }, try counters.next(\.sequence, db) { _ in 100 }]
        }
        #expect(numbers == [8, 9])
    }

    @Test("the writer's bound statements store each value as given: integers, texts and blobs, empty ones, and NULLs")
    func boundValuesRoundTrip() throws {
        let queue = try DatabaseQueue()
        let row = try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (i INTEGER, n INTEGER, s TEXT, e TEXT, u TEXT, b BLOB, z BLOB NOT NULL)")
            try db.run(
                "INSERT INTO t (i, n, s, e, u, b, z) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [.integer(Int64.min), .integer(nil as Int64?), .text("callback payzapp SUCCESS -> applied"), .text(""), .text("ünïcødé ✓"),
                 .blob([0, 1, 254, 255]), .blob([])])
            return try Row.fetchOne(db, sql: "SELECT i, n, s, e, u, b, z, typeof(n), typeof(e), typeof(z) FROM t")!
        }
        #expect(row[0] as Int64 == Int64.min)
        #expect(row[7] as String == "null")
        #expect(row[2] as String == "callback payzapp SUCCESS -> applied")
        #expect(row[3] as String == "")
        #expect(row[8] as String == "text")
        #expect(row[4] as String == "ünïcødé ✓")
        #expect(Array(row[5] as Data) == [0, 1, 254, 255])
        #expect(row[9] as String == "blob")
        #expect((row[6] as Data).isEmpty)
    }

    @Test("a bound read gives its first row as read from the statement, or nil when nothing matches")
    func boundReadFindsTheFirstRow() throws {
        let queue = try DatabaseQueue()
        let (found, missing) = try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (k TEXT, v INTEGER); INSERT INTO t VALUES ('a', 1), ('b', 2), ('b', 3)")
            let sql = "SELECT v FROM t WHERE k = ? ORDER BY v"
            return (try db.first(sql, [.text("b")]) { sqlite3_column_int64($0, 0) }, try db.first(sql, [.text("c")]) { sqlite3_column_int64($0, 0) })
        }
        #expect(found == 2)
        #expect(missing == nil)
    }

    @Test("a bound statement that fails throws SQLite's extended code and message, and the same statement runs again afterwards")
    func boundStatementFailure() throws {
        let queue = try DatabaseQueue()
        let sql = "INSERT INTO t (k) VALUES (?)"
        let error = try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (k TEXT NOT NULL UNIQUE)")
            try db.run(sql, [.text("a")])
            let error = #expect(throws: DatabaseError.self) { try db.run(sql, [.text("a")]) }
            try db.run(sql, [.text("b")])
            return error
        }
        #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE)
        #expect(error?.message == "UNIQUE constraint failed: t.k")
        #expect(try queue.read { db in try String.fetchAll(db, sql: "SELECT k FROM t ORDER BY k") } == ["a", "b"])
    }

    @Test("a bound statement refuses to run outside a transaction, so nothing is written in autocommit mode")
    func boundStatementNeedsATransaction() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in try db.execute(sql: "CREATE TABLE t (k TEXT)") }
        let error = #expect(throws: DatabaseError.self) {
            try queue.writeWithoutTransaction { db in try db.run("INSERT INTO t (k) VALUES (?)", [.text("a")]) }
        }
        #expect(error?.extendedResultCode == .SQLITE_ABORT)
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM t") } == 0)
    }

    @Test("claiming due checks reads the partial index on next_check_at, never the whole orders table")
    func claimUsesTheDueIndex() async throws {
        let store = try SQLiteStore(path: temporaryPath("claim-plan") + ".sqlite")
        let plan = try await store.pool.writeWithoutTransaction { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + SQLiteStore.claimDueChecksSQL, arguments: ["owner", 2, 1, 1, 64]).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("USING INDEX orders_due_checks") })
        #expect(!plan.contains { $0.hasPrefix("SCAN orders") })
        try await store.close()
    }

    @Test("the next due time reads the due index up to the first unleased check, not every open order")
    func nextDueTimeStopsEarly() async throws {
        let store = try SQLiteStore(path: temporaryPath("next-due") + ".sqlite")
        let steps = try await store.pool.writeWithoutTransaction { db in
            // 5,000 open orders, one check a second; the first ten leased far ahead.
            try db.execute(sql: """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
                INSERT INTO orders (id, account, merchant_order_number, provider, amount_minor, currency, subject, status, attempt, version,
                  created_at, updated_at, next_check_at, lease_owner, lease_until)
                SELECT 'o' || i, 'default', 'N-' || i, 'payzapp', 100, 'INR', 's', 'pending', 1, 1, 0, 0, i * 1000,
                  CASE WHEN i <= 10 THEN 'a' END, CASE WHEN i <= 10 THEN 9000000 END FROM n
                """)
            let statement = try db.makeStatement(sql: SQLiteStore.nextCheckSQL)
            #expect(try Int64.fetchOne(statement) == 11_000)
            return sqlite3_stmt_status(statement.sqliteStatement, SQLITE_STMTSTATUS_VM_STEP, 0)
        }
        // The eleven entries before the first unleased check, twice, plus the statement's own steps;
        // reading every open order takes tens of thousands.
        #expect(steps < 300)
        try await store.close()
    }

    @Test("commits are durable: the connection that writes runs a WAL journal with synchronous = FULL")
    func durability() async throws {
        let store = try SQLiteStore(path: temporaryPath("durable") + ".sqlite")
        // The writer's own setting (GRDB turns its writer to NORMAL with WAL; readers do not commit).
        let (journal, synchronous) = try await store.pool.writeWithoutTransaction { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(journal == "wal")
        #expect(synchronous == 2)
        try await store.close()
    }

    @Test("a claim commits without a sync, the next durable write syncs again: leases only live as long as the work they guard")
    func claimsCommitUnsynced() async throws {
        let store = try SQLiteStore(path: temporaryPath("unsynced-claims") + ".sqlite")
        let commits = { (store.writer.committed.load(ordering: .relaxed), store.writer.synced.load(ordering: .relaxed)) }
        try await store.insert(CheckClaimConformanceTests.due("C-1", in: 5))
        try await store.insert(CheckClaimConformanceTests.due("C-2", in: 5))
        #expect(commits() == (2, 2))
        let claimed = try await store.claimDueChecks(owner: "a", now: CheckClaimConformanceTests.at(5), leaseMilliseconds: 30_000, limit: 1)
        #expect(claimed.map(\.merchantOrderNumber.rawValue) == ["C-1"])
        _ = try await store.claimDueRefunds(now: CheckClaimConformanceTests.at(5), leaseMilliseconds: 30_000, limit: 10)
        _ = try await store.claimDuePayouts(now: CheckClaimConformanceTests.at(5), leaseMilliseconds: 30_000, limit: 10)
        #expect(commits() == (5, 2))
        let level = { try await store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } }
        #expect(try await level() == 1)
        try await store.insert(CheckClaimConformanceTests.due("C-3", in: 5))
        #expect(commits() == (6, 3))
        #expect(try await level() == 2)
        // The unsynced lease was written all the same.
        #expect(try await store.claimDueChecks(owner: "b", now: CheckClaimConformanceTests.at(5), leaseMilliseconds: 30_000, limit: 10).map(\.merchantOrderNumber.rawValue).sorted() == ["C-2", "C-3"])
        try await store.close()
    }

    /// Holds the writer until `writes` more writes wait behind it, in order, so they share the next batch.
    private static func batched<T: Sendable>(_ store: SQLiteStore, _ writes: [@Sendable () async throws -> T]) async throws -> [Result<T, any Error>] {
        let gate = DispatchSemaphore(value: 0)
        let holding = Atomic<Bool>(false)
        let held = Task { try await store.writer.write { _ in holding.store(true, ordering: .sequentiallyConsistent); gate.wait() } }
        while !holding.load(ordering: .sequentiallyConsistent) { await Task.yield() }
        // One at a time, each queued before the next starts: the batch holds them in this order
        // (tasks started together reach the queue in any order on a busy machine).
        var tasks: [Task<Result<T, any Error>, Never>] = []
        for (index, write) in writes.enumerated() {
            tasks.append(Task { () -> Result<T, any Error> in do { return .success(try await write()) } catch { return .failure(error) } })
            while store.writer.pendingWrites < index + 1 { await Task.yield() }
        }
        gate.signal()
        try await held.value
        var results: [Result<T, any Error>] = []
        for task in tasks { results.append(await task.value) }
        return results
    }

    private struct Broken: Error {}

    private static func note(_ text: String) -> String { "INSERT INTO audit_log (seq, kind, summary, at) VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM audit_log), 'operator', '\(text)', 0)" }

    /// Runs a write noting "first", `middle`, and a write noting "third" as one batch of `store`:
    /// the three results and which of them succeeded, how many batches ran again isolated, the
    /// notes left, and the transactions committed meanwhile (the holder's batch counts one).
    private static func batch<T: Sendable>(_ store: SQLiteStore, around middle: @escaping @Sendable () async throws -> T) async throws
        -> (results: [Result<T?, any Error>], succeeded: [Bool], isolated: Int, notes: [String], commits: Int)
    {
        let before = store.writeStatistics
        let results = try await batched(store, [
            { @Sendable () -> T? in try await store.writer.write { db in try db.execute(sql: note("first")) }; return nil },
            { @Sendable () -> T? in try await middle() },
            { @Sendable () -> T? in try await store.writer.write { db in try db.execute(sql: note("third")) }; return nil },
        ])
        let notes = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT summary FROM audit_log WHERE kind = 'operator' ORDER BY seq") }
        let after = store.writeStatistics
        let succeeded = results.map { if case .success = $0 { true } else { false } }
        return (results, succeeded, after.isolated - before.isolated, notes, after.committed - before.committed)
    }

    /// `batch(_:around:)` on a fresh store, `failing` the middle write.
    private static func batch(around failing: @escaping @Sendable (Database) throws -> Void) async throws
        -> (results: [Result<Void?, any Error>], succeeded: [Bool], isolated: Int, notes: [String], commits: Int)
    {
        let store = try SQLiteStore(path: temporaryPath("batch") + ".sqlite")
        let outcome = try await batch(store) { try await store.writer.write(failing) }
        try await store.close()
        return outcome
    }

    @Test("a write that fails after writing rolls back alone: its batch is rolled back and runs again with each write in a savepoint")
    func failedWriteIsolatesItsBatch() async throws {
        let outcome = try await Self.batch { db in
            try db.execute(sql: Self.note("broken"))
            throw Broken()
        }
        #expect(outcome.succeeded == [true, false, true])
        #expect(outcome.isolated == 1)
        #expect(outcome.notes == ["first", "third"])
        #expect(outcome.commits == 2)  // the holder's batch, then the three's, once
    }

    @Test("a write that fails before changing a row fails alone, and its batch commits without running again")
    func cleanFailureKeepsTheFastAttempt() async throws {
        let outcome = try await Self.batch { _ in throw Broken() }
        #expect(outcome.succeeded == [true, false, true])
        #expect(outcome.isolated == 0)
        #expect(outcome.notes == ["first", "third"])
    }

    @Test("a write that fails on a constraint after an earlier statement of its own wrote rolls back alone")
    func constraintFailureAfterAWriteRollsBackAlone() async throws {
        let outcome = try await Self.batch { db in
            try db.execute(sql: Self.note("half"))
            try db.execute(sql: "INSERT INTO audit_log (seq, kind, summary, at) VALUES (1, 'operator', 'taken', 0)")
        }
        #expect(outcome.succeeded == [true, false, true])
        #expect(outcome.isolated == 1)
        #expect(outcome.notes == ["first", "third"])
    }

    @Test("a callback whose decision throws in a shared batch is recorded as received, and the batch's other writes commit")
    func failedDecisionInASharedBatch() async throws {
        let store = try SQLiteStore(path: temporaryPath("decision-batch") + ".sqlite")
        let order = Fixture.order("A-1001", status: .pending)
        try await store.insert(order)
        let outcome = try await Self.batch(store) { () -> Int64? in
            let judgement = try await store.resolveInbox(
                .new(InboxRefundConformanceTests.entry("{\"trade\":\"T-2\"}")), provider: try ProviderID("codepay"), account: .default,
                dedupKey: "T-2:paid", target: .order(number: "A-1001")
            ) { _, _ in throw Broken() }
            guard case .notCommitted = judgement.outcome else { return nil }
            return judgement.id
        }
        #expect(outcome.succeeded == [true, true, true])
        let id = try #require(try outcome.results[1].get() ?? nil)
        #expect(outcome.isolated == 1)
        #expect(try await store.inboxEntry(id: id)?.verdict == .received)
        #expect(try await store.order(id: order.id)?.status == .pending)
        #expect(outcome.notes == ["first", "third"])
        try await store.close()
    }

    @Test("savepoints keep their page copies in memory: the writer's temp_store is MEMORY, not a file written per page")
    func subJournalsInMemory() async throws {
        let store = try SQLiteStore(path: temporaryPath("temp-store") + ".sqlite")
        let tempStore = try await store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") }
        #expect(tempStore == 2)
        try await store.close()
    }

    @Test("a database from before v7 keeps every row, number, index and append-only trigger once its logs are rebuilt without AUTOINCREMENT")
    func appendOnlyTablesRebuiltWithoutAutoincrement() async throws {
        let path = temporaryPath("v7") + ".sqlite"
        let old = try DatabaseQueue(path: path)
        try SQLiteMigrations.migrator.migrate(old, upTo: "v6-payouts")
        let order = Fixture.order("A-1001")
        try await old.write { db in
            try db.execute(
                sql: """
                    INSERT INTO orders (id, account, merchant_order_number, provider, amount_minor, currency, subject, status, attempt, version,
                      created_at, updated_at) VALUES (?, 'default', 'A-1001', 'payzapp', 1525, 'INR', 's', 'pending', 1, 2, 0, 0);
                    INSERT INTO audit_log (seq, order_id, kind, summary, at) VALUES (1, ?, 'inbound', 'create order -> created', 1);
                    INSERT INTO order_events (seq, order_id, kind, source, to_status, outcome, attempt, summary, at)
                      VALUES (2, ?, 'create', 'merchant_api', 'created', 'applied', 1, 'created', 2);
                    INSERT INTO inbox (provider, account, received_at, headers, body, verdict, dedup_key, order_id)
                      VALUES ('payzapp', 'default', 3, '{}', x'7b7d', 'applied', 'payzapp:payin:A-1001:x', ?);
                    INSERT INTO inbox (provider, account, received_at, headers, body, verdict) VALUES ('payzapp', 'default', 4, '{}', x'7b7d', 'received');
                    """, arguments: [order.id.rawValue, order.id.rawValue, order.id.rawValue, order.id.rawValue])
        }
        try old.close()

        let store = try SQLiteStore(path: path)
        let summaries = try await store.timeline(orderID: order.id).map {
            switch $0 {
            case .audit(let record): record.summary
            case .event(let event): event.evidence.summary
            case .callback(let entry): "callback \(entry.id)"
            }
        }
        #expect(summaries == ["create order -> created", "created"])
        #expect(try await store.unresolvedInbox(limit: 10).map(\.id) == [2])
        #expect(try await store.inboxEntry(id: 1)?.dedupKey == "payzapp:payin:A-1001:x")
        // Numbers count on from the rebuilt tables.
        #expect(try await store.recordUnresolved(InboxRefundConformanceTests.entry("{}")) == 3)
        try await store.appendAudit([AuditRecord(orderID: order.id, kind: .inbound, summary: "after v7", at: Fixture.t0)])
        let (sequences, schema) = try await store.pool.read { db in
            (
                try Int64.fetchAll(db, sql: "SELECT seq FROM audit_log ORDER BY seq"),
                Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE tbl_name IN ('inbox', 'order_events', 'audit_log') AND type != 'table'"))
            )
        }
        #expect(sequences == [1, 3])
        #expect(schema == [
            "order_events_by_order", "order_events_append_only_update", "order_events_append_only_delete",
            "audit_log_by_order", "audit_log_append_only_update", "audit_log_append_only_delete",
            "inbox_dedup", "inbox_parked", "inbox_unjudged", "inbox_raw_is_immutable", "inbox_append_only_delete", "inbox_by_number",
            "inbox_rejected_by_time",
        ])
        let autoincrementTables = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE sql LIKE '%AUTOINCREMENT%' ORDER BY name") }
        #expect(autoincrementTables == ["review_items"])
        await #expect(throws: DatabaseError.self) {
            try await store.pool.write { db in try db.execute(sql: "DELETE FROM inbox WHERE id = 1") }
        }
        await #expect(throws: DatabaseError.self) {
            try await store.pool.write { db in try db.execute(sql: "UPDATE audit_log SET summary = 'x'") }
        }
        try await store.close()
    }

    @Test("listings walk an index in their own order, never a sort: open statuses the open-orders index, settled ones orders by time, an account its own")
    func listingPlans() async throws {
        #expect(SQLiteStore.openStatusSQL == "status IN (\(OrderStatus.allCases.filter { !$0.isSettledAttempt }.map { "'\($0.rawValue)'" }.joined(separator: ", ")))")
        let store = try SQLiteStore(path: temporaryPath("listing-plans") + ".sqlite")
        let shop = try MerchantAccountID("default")
        let queries: [String: OrderQuery] = [
            "all": OrderQuery(), "pending": OrderQuery(status: .pending), "closing": OrderQuery(status: .closing), "paid": OrderQuery(status: .paid),
            "canceled": OrderQuery(status: .canceled), "account": OrderQuery(account: shop), "account paid": OrderQuery(account: shop, status: .paid),
            "account pending": OrderQuery(account: shop, status: .pending),
        ]
        let (index, plans) = try await store.pool.read { db in
            let index = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'orders_open_by_status'")
            var plans: [String: String] = [:]
            for (name, query) in queries {
                let (sql, arguments) = SQLiteStore.listing(query, limit: 50)
                plans[name] = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }.joined(separator: "; ")
            }
            return (index, plans)
        }
        #expect(index?.hasSuffix("WHERE \(SQLiteStore.openStatusSQL)") == true)
        #expect(plans["all"] == "SCAN orders USING INDEX orders_by_created")
        #expect(plans["pending"] == "SEARCH orders USING INDEX orders_open_by_status (status=?)")
        #expect(plans["closing"] == "SEARCH orders USING INDEX orders_open_by_status (status=?)")
        #expect(plans["paid"] == "SCAN orders USING INDEX orders_by_created")
        #expect(plans["canceled"] == "SCAN orders USING INDEX orders_by_created")
        #expect(plans["account"] == "SEARCH orders USING INDEX orders_by_account (account=?)")
        #expect(plans["account paid"] == "SEARCH orders USING INDEX orders_by_account (account=?)")
        #expect(plans["account pending"]?.contains("TEMP B-TREE") == false)
        try await store.close()
    }

    @Test("SQLite's memory statistics, and their mutex around every allocation, are off when a store opened the process's first connection")
    func memoryStatisticsOff() async throws {
        let store = try SQLiteStore(path: temporaryPath("memstatus") + ".sqlite")
        try await store.insert(Fixture.order("M-1"))
        // Off, nothing SQLite allocates is counted; on (another test opened SQLite first), the
        // open store's memory is.
        if SQLiteStore.memoryStatisticsOff {
            #expect(sqlite3_memory_used() == 0)
        } else {
            #expect(sqlite3_memory_used() > 0)
        }
        try await store.close()
    }

    @Test("a database written with an unknown currency reports a corrupt row instead of crashing")
    func unknownCurrencyIsCorrupt() async throws {
        let path = temporaryPath("currency") + ".sqlite"
        let writer = try SQLiteStore(path: path)
        var random = SystemRandomNumberGenerator()
        let order = Order(
            id: .make(at: Fixture.t0, using: &random), account: .default, merchantOrderNumber: try MerchantOrderNumber("U-1"),
            provider: try ProviderID("payzapp"), amount: Money(minorUnits: 1_000_000, currency: .USDT), subject: "x", status: .created,
            attempt: 1, version: 1, gatewayOrderNumber: nil, createdAt: Fixture.t0, updatedAt: Fixture.t0)
        try await writer.insert(order)
        try await writer.close()
        let reader = try SQLiteStore(path: path, currencies: .iso4217)
        await #expect(throws: StoreError.self) { try await reader.order(id: order.id) }
        try await reader.close()
    }
}

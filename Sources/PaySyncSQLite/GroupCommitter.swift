import Dispatch
import GRDB
import Synchronization

/// Funnels every write into shared transactions: writes that arrive while one commit is being
/// made durable wait, then commit together in the next. A caller resumes only after the
/// transaction holding its write has committed — nothing is acknowledged before it is durable, and
/// one fsync serves many concurrent callbacks. The writes of a batch run one after another on the
/// single writer, so per-order serialization is unchanged.
///
/// A failing write rolls back alone. Writes fail rarely, so a batch first runs without a savepoint
/// per write (SQLite copies each page a savepoint changes, and opens and releases it: D28 in
/// docs/decisions.md). A write that fails before it changed a row fails alone and the batch goes on. One that
/// fails after writing, or that handles its own failure (`write(handlingFailure:)`), rolls the
/// transaction back, and the batch runs again with each write in its own savepoint, as if the
/// fast attempt never happened. Writes are therefore pure functions of the database: one may run
/// twice, and only the run that commits is answered.
final class GroupCommitter: Sendable {
    private struct Job: Sendable {
        /// Runs the write in the open transaction; returns what to do once the transaction commits.
        /// Throws `Isolate` when the batch must run again with each write in its own savepoint.
        let run: @Sendable (Database, _ isolated: Bool) throws -> @Sendable () -> Void
        /// Resumes the writer with an error when the shared transaction does not commit.
        let fail: @Sendable (any Error) -> Void
        /// Whether the write must survive power loss once it returns.
        let durable: Bool
    }

    private struct State {
        var pending: [Job] = []
        var draining = false
    }

    private let pool: DatabasePool
    private let state = Mutex(State())
    /// Numbers the writes of the open transaction hand out; reset when each transaction begins.
    let counters = WriteCounters()
    /// Write transactions committed so far (one per batch), and how many of them were synced.
    let committed = Atomic<Int>(0)
    let synced = Atomic<Int>(0)
    /// Batches that ran again, isolated, after their fast attempt was rolled back.
    let isolated = Atomic<Int>(0)
    private let queue = DispatchQueue(label: "paysync.sqlite.group-commit")
    /// The most writes one transaction takes.
    private let maximumBatch: Int
    /// Whether the writer connection syncs its commits (`synchronous = FULL`, as the store opens
    /// it). Touched only on `queue`.
    nonisolated(unsafe) private var syncing = true
    /// Ends the fast attempt of a batch: a write failed after changing rows, or wants isolation.
    private struct Isolate: Error {}

    init(pool: DatabasePool, maximumBatch: Int = 512) {
        self.pool = pool
        self.maximumBatch = maximumBatch
    }

    /// Runs `work` in a write transaction shared with concurrent writes; returns after the commit.
    /// When `work` throws, its writes roll back alone (see the type's comment). `work` may run
    /// twice: it must not act outside the database. What it changes must be rows (`INSERT`,
    /// `UPDATE`, `DELETE`, counted by `sqlite3_total_changes`): that count is how the fast attempt
    /// knows a failed write left nothing behind.
    ///
    /// A write that loses nothing when power fails before the next sync (a lease: the work it
    /// guards dies with the machine, and the lease then lapses) passes `durable: false`. A batch
    /// of such writes only commits with `synchronous = NORMAL`: its WAL frames are written but not
    /// synced, and the next durable commit's sync carries them with its own. A batch holding a
    /// durable write is synced as always, so a durable write never waits less.
    func write<T: Sendable>(durable: Bool = true, _ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await enqueue(durable: durable, handlesFailure: false) { db, _ in try work(db) }
    }

    /// `write` for a `work` that handles its own failure — rolls part of its writes back and goes
    /// on — and so needs a savepoint of its own. It learns whether its batch runs isolated: only
    /// then may it open one; in the fast attempt, any error it throws sends the batch to the
    /// isolated attempt.
    func write<T: Sendable>(
        durable: Bool = true, handlingFailure work: @escaping @Sendable (Database, _ isolated: Bool) throws -> T
    ) async throws -> T {
        try await enqueue(durable: durable, handlesFailure: true, work)
    }

    private func enqueue<T: Sendable>(
        durable: Bool, handlesFailure: Bool, _ work: @escaping @Sendable (Database, _ isolated: Bool) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { db, isolated in
                    guard isolated else {
                        let changes = db.totalChangesCount
                        do {
                            let result = try work(db, false)
                            return { continuation.resume(returning: result) }
                        } catch {
                            // Nothing written: the error is this write's alone, the batch goes on.
                            guard !handlesFailure, db.totalChangesCount == changes, db.isInsideTransaction else { throw Isolate() }
                            return { continuation.resume(throwing: error) }
                        }
                    }
                    do {
                        let result = try handlesFailure ? work(db, true) : db.inCachedSavepoint("job") { try work(db, true) }
                        return { continuation.resume(returning: result) }
                    } catch {
                        return { continuation.resume(throwing: error) }
                    }
                },
                fail: { continuation.resume(throwing: $0) },
                durable: durable)
            let start = state.withLock { state -> Bool in
                state.pending.append(job)
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if start { queue.async { self.drain() } }
        }
    }

    /// Writes waiting for the next batch.
    var pendingWrites: Int { state.withLock { $0.pending.count } }

    /// Runs batches until none is pending, on `queue`: the next batch starts the moment the last
    /// commit returns, never waiting for a turn on Swift's cooperative threads, which are busy with
    /// the requests whose writes these are.
    private func drain() {
        while true {
            let batch = state.withLock { state -> [Job] in
                let batch = Array(state.pending.prefix(maximumBatch))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            let mustSync = batch.contains { $0.durable }
            do {
                let completions = try pool.writeWithoutTransaction { db in
                    // Each batch sets the level it needs before it begins: a failed switch fails
                    // the batch rather than leave a durable write unsynced.
                    if mustSync != syncing {
                        try db.cachedStatement(sql: mustSync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL").execute()
                        syncing = mustSync
                    }
                    do {
                        return try run(batch, isolated: false, db)
                    } catch is Isolate {
                        isolated.add(1, ordering: .relaxed)
                        return try run(batch, isolated: true, db)
                    }
                }
                committed.add(1, ordering: .relaxed)
                if mustSync { synced.add(1, ordering: .relaxed) }
                for complete in completions { complete() }
            } catch {
                // The shared commit failed: nothing of the batch is durable, and every writer hears so.
                for job in batch { job.fail(error) }
            }
        }
    }

    /// One attempt at a batch: its writes in one transaction, committed; their completions.
    private func run(_ batch: [Job], isolated: Bool, _ db: Database) throws -> [@Sendable () -> Void] {
        var completions: [@Sendable () -> Void] = []
        completions.reserveCapacity(batch.count)
        try db.inTransaction(.immediate) {
            counters.reset()
            for job in batch { completions.append(try job.run(db, isolated)) }
            return .commit
        }
        return completions
    }
}

/// Numbers handed out by the writes of one transaction — the next inbox id, the next event/audit
/// sequence number — read from the database at their first use in the transaction and counted in
/// memory after that. Valid because the transaction holds SQLite's write lock: no other writer, in
/// this process or another, can take a number meanwhile. Touched only by the committer's writer
/// inside a transaction, hence unchecked.
final class WriteCounters: @unchecked Sendable {
    var sequence: Int64?
    var inboxID: Int64?

    func reset() {
        sequence = nil
        inboxID = nil
    }

    /// The number after the last one `counter` handed out (or after `last(db)` for the first).
    func next(_ counter: ReferenceWritableKeyPath<WriteCounters, Int64?>, _ db: Database, last: (Database) throws -> Int64) throws -> Int64 {
        // Outside a transaction — or after SQLite rolled the shared one back on its own (disk full,
        // I/O error) — a counted number could already be taken: the write fails instead, as
        // GRDB fails any statement of an aborted transaction.
        guard db.isInsideTransaction else {
            throw DatabaseError(resultCode: .SQLITE_ABORT, message: "write counters are valid inside a write transaction only")
        }
        let next = (try self[keyPath: counter] ?? last(db)) + 1
        self[keyPath: counter] = next
        return next
    }
}

extension Database {
    /// Runs `work` in a savepoint of the open transaction: released when it returns, rolled back
    /// alone when it throws. The same as GRDB's `inSavepoint`, with cached statements — that one
    /// compiles its `SAVEPOINT` and `RELEASE` on every call, and the group committer opens one or
    /// two savepoints per write.
    func inCachedSavepoint<T>(_ name: StaticString, _ work: () throws -> T) throws -> T {
        try cachedStatement(sql: "SAVEPOINT \(name)").execute()
        do {
            let value = try work()
            try cachedStatement(sql: "RELEASE SAVEPOINT \(name)").execute()
            return value
        } catch {
            // When SQLite already rolled the whole transaction back these fail too; the commit then
            // fails, and every write of the batch hears so.
            try? cachedStatement(sql: "ROLLBACK TO SAVEPOINT \(name)").execute()
            try? cachedStatement(sql: "RELEASE SAVEPOINT \(name)").execute()
            throw error
        }
    }
}

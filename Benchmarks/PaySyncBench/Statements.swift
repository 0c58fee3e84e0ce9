import ArgumentParser
import Foundation
import GRDB
import GRDBSQLite

/// `paysync-bench statements`: what one audit-row INSERT costs through GRDB's arguments and
/// through SQLite's own binding calls on the same prepared statement (an in-memory-journal-free
/// file in a single transaction: CPU only).
struct Statements: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "statements")

    @Option var rows = 200_000

    func run() throws {
        let path = NSTemporaryDirectory() + "paysync-statements-\(UUID().uuidString).sqlite"
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, order_id TEXT, kind TEXT NOT NULL, summary TEXT NOT NULL, detail TEXT, latency_ms INTEGER, error TEXT, at INTEGER NOT NULL)")
            try db.execute(sql: "CREATE INDEX audit_log_by_order ON audit_log (order_id, seq)")
        }
        let sql = "INSERT INTO audit_log (seq, order_id, kind, summary, detail, latency_ms, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        var seq: Int64 = 0
        try queue.inTransaction { db in
            let statement = try db.cachedStatement(sql: sql)
            let start = ContinuousClock.now
            for n in 0..<rows {
                seq += 1
                try statement.execute(arguments: [seq, "ord_0000000000000\(n % 1000)", "inbound", "callback payzapp SUCCESS -> applied", "inbox 123; gateway order G1; amount 15.25 INR", nil, nil, 1_700_000_000_000])
            }
            print("GRDB execute(arguments:): \(start.duration(to: .now) / rows)")
            return .commit
        }
        try queue.inTransaction { db in
            let statement = try db.cachedStatement(sql: sql).sqliteStatement
            let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
            let start = ContinuousClock.now
            for n in 0..<rows {
                seq += 1
                sqlite3_reset(statement)
                sqlite3_bind_int64(statement, 1, seq)
                sqlite3_bind_text(statement, 2, "ord_0000000000000\(n % 1000)", -1, transient)
                sqlite3_bind_text(statement, 3, "inbound", -1, transient)
                sqlite3_bind_text(statement, 4, "callback payzapp SUCCESS -> applied", -1, transient)
                sqlite3_bind_text(statement, 5, "inbox 123; gateway order G1; amount 15.25 INR", -1, transient)
                sqlite3_bind_null(statement, 6)
                sqlite3_bind_null(statement, 7)
                sqlite3_bind_int64(statement, 8, 1_700_000_000_000)
                guard sqlite3_step(statement) == SQLITE_DONE else { throw CocoaError(.fileWriteUnknown) }
            }
            print("sqlite3_bind_*: \(start.duration(to: .now) / rows)")
            return .commit
        }
    }
}

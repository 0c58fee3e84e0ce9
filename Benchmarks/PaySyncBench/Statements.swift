import ArgumentParser
import Foundation
import GRDB
import GRDBSQLite

/// `paysync-bench statements`: what one audit-row INSERT costs through GRDB's arguments and
/// through SQLite's own binding calls (SQLite copying each text, or each text's bytes bound with
/// their length), on the same prepared statement shape. Each way fills a table of its own, in
/// alternating rounds, so all three see trees of the same size (a file in one transaction: CPU
/// only, no sync).
struct Statements: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "statements")

    @Option var rows = 200_000
    @Option(help: "Rounds each way's rows are split into, alternated.") var rounds = 10

    func run() throws {
        let path = NSTemporaryDirectory() + "paysync-statements-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try DatabaseQueue(path: path)
        let ways = ["GRDB execute(arguments:)", "sqlite3_bind_* (C strings)", "sqlite3_bind_* (UTF-8 bytes and length)"]
        try queue.write { db in
            for way in ways.indices {
                try db.execute(sql: "CREATE TABLE audit_\(way) (seq INTEGER PRIMARY KEY, order_id TEXT, kind TEXT NOT NULL, summary TEXT NOT NULL, detail TEXT, latency_ms INTEGER, error TEXT, at INTEGER NOT NULL)")
                try db.execute(sql: "CREATE INDEX audit_\(way)_by_order ON audit_\(way) (order_id, seq)")
            }
        }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        var elapsed = Array(repeating: Duration.zero, count: ways.count)
        let perRound = rows / rounds
        for round in 0..<rounds {
            for way in ways.indices {
                try queue.inTransaction { db in
                    let statement = try db.cachedStatement(
                        sql: "INSERT INTO audit_\(way) (seq, order_id, kind, summary, detail, latency_ms, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
                    let handle = statement.sqliteStatement
                    func text(_ index: Int32, _ value: String?) {
                        guard var value else { sqlite3_bind_null(handle, index); return }
                        value.withUTF8 { sqlite3_bind_text(handle, index, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), Int32($0.count), transient) }
                    }
                    let start = ContinuousClock.now
                    for n in round * perRound..<(round + 1) * perRound {
                        let seq = Int64(n + 1)
                        let order = "ord_0000000000000\(n % 1000)"
                        switch way {
                        case 0:
                            try statement.execute(arguments: [seq, order, "inbound", "callback payzapp SUCCESS -> applied", "inbox 123; gateway order G1; amount 15.25 INR", nil, nil, 1_700_000_000_000])
                        case 1:
                            sqlite3_reset(handle)
                            sqlite3_bind_int64(handle, 1, seq)
                            sqlite3_bind_text(handle, 2, order, -1, transient)
                            sqlite3_bind_text(handle, 3, "inbound", -1, transient)
                            sqlite3_bind_text(handle, 4, "callback payzapp SUCCESS -> applied", -1, transient)
                            sqlite3_bind_text(handle, 5, "inbox 123; gateway order G1; amount 15.25 INR", -1, transient)
                            sqlite3_bind_null(handle, 6)
                            sqlite3_bind_null(handle, 7)
                            sqlite3_bind_int64(handle, 8, 1_700_000_000_000)
                            guard sqlite3_step(handle) == SQLITE_DONE else { throw CocoaError(.fileWriteUnknown) }
                        default:
                            sqlite3_reset(handle)
                            sqlite3_bind_int64(handle, 1, seq)
                            text(2, order)
                            text(3, "inbound")
                            text(4, "callback payzapp SUCCESS -> applied")
                            text(5, "inbox 123; gateway order G1; amount 15.25 INR")
                            text(6, nil)
                            text(7, nil)
                            sqlite3_bind_int64(handle, 8, 1_700_000_000_000)
                            guard sqlite3_step(handle) == SQLITE_DONE else { throw CocoaError(.fileWriteUnknown) }
                        }
                    }
                    elapsed[way] += start.duration(to: .now)
                    sqlite3_reset(handle)
                    return .commit
                }
            }
        }
        for way in ways.indices { print("\(ways[way]): \(elapsed[way] / (perRound * rounds))") }
    }
}

import GRDB
import GRDBSQLite

/// A value bound to one parameter of `Database.run`.
enum SQLiteValue {
    case integer(Int64?)
    case text(String?)
    case blob([UInt8])

    /// An `Int` (an attempt, a rung) as SQLite's 64-bit integer.
    static func integer(_ value: Int?) -> SQLiteValue { .integer(value.map(Int64.init)) }
}

extension Database {
    /// Runs `sql`, an `INSERT` or `UPDATE` of the writer inside its transaction, with `values`
    /// bound through SQLite's own calls. These are the rows every callback writes; GRDB's
    /// `execute(arguments:)` first builds an array of existentials, converts and validates it,
    /// and binds each value in a closure of its own (docs/decisions.md, D31; `paysync-bench
    /// statements` measures both). Failures throw GRDB's `DatabaseError`, with
    /// SQLite's extended code and message, as GRDB would.
    func run(_ sql: String, _ values: [SQLiteValue]) throws {
        // What GRDB checks before each statement: once SQLite has rolled the transaction back on
        // its own (disk full, I/O error), a write must not run in autocommit mode in its place.
        guard isInsideTransaction else {
            throw DatabaseError(resultCode: .SQLITE_ABORT, message: "a writer's statement runs inside its transaction", sql: sql)
        }
        try bound(sql, values) { statement in
            let code = sqlite3_step(statement)
            guard code == SQLITE_DONE else { throw stepError(code, sql) }
        }
    }

    /// The first row `sql` selects with `values` bound as `run` binds them, read by `read` from the
    /// statement, or `nil` when it selects none: a callback's dedup probe, an order by its id or
    /// its number.
    func first<T>(_ sql: String, _ values: [SQLiteValue], _ read: (SQLiteStatement) throws -> T) throws -> T? {
        try bound(sql, values) { statement in
            switch sqlite3_step(statement) {
            case SQLITE_ROW: return try read(statement)
            case SQLITE_DONE: return nil
            case let code: throw stepError(code, sql)
            }
        }
    }

    /// GRDB's cached statement for `sql`, reset, with `values` bound, handed to `body`; reset again
    /// when `body` returns or throws.
    private func bound<T>(_ sql: String, _ values: [SQLiteValue], _ body: (SQLiteStatement) throws -> T) throws -> T {
        let statement = try cachedStatement(sql: sql).sqliteStatement
        precondition(Int(sqlite3_bind_parameter_count(statement)) == values.count, "one value per parameter of \(sql)")
        sqlite3_reset(statement)
        defer { sqlite3_reset(statement) }
        for (index, value) in zip(CInt(1)..., values) {
            switch value {
            case .integer(let number?):
                sqlite3_bind_int64(statement, index, number)
            case .text(var text?):
                text.withUTF8 { bytes in
                    // An empty buffer may have no address, which SQLite would bind as NULL.
                    guard let start = bytes.baseAddress else { return _ = sqlite3_bind_text(statement, index, "", 0, transient) }
                    sqlite3_bind_text(statement, index, UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self), CInt(bytes.count), transient)
                }
            case .blob(let bytes):
                bytes.withUnsafeBytes { raw in
                    guard let start = raw.baseAddress else { return _ = sqlite3_bind_zeroblob(statement, index, 0) }
                    sqlite3_bind_blob(statement, index, start, CInt(raw.count), transient)
                }
            case .integer(nil), .text(nil):
                sqlite3_bind_null(statement, index)
            }
        }
        return try body(statement)
    }

    /// A failed step as GRDB reports it: SQLite's extended code and message, and the statement.
    private func stepError(_ code: CInt, _ sql: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)), sql: sql)
    }
}

/// SQLite copies each bound text and blob: the Swift values need not outlive the call.
private let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

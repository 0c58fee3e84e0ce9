import Foundation
import GRDB
import PaySyncCore
import PaySyncStore

extension SQLiteStore {
    public func insertOperator(_ consoleOperator: ConsoleOperator) async throws {
        try await writer.write { db in
            do {
                try db.cachedStatement(sql: "INSERT INTO operators (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)").execute(
                    arguments: [
                        consoleOperator.name, consoleOperator.role.rawValue, consoleOperator.passwordHash, consoleOperator.createdAt.millisecondsSinceEpoch,
                    ])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                throw StoreError(.duplicateOperator, "an operator named \(consoleOperator.name) already exists")
            }
        }
    }

    public func consoleOperator(name: String) async throws -> ConsoleOperator? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM operators WHERE name = ?"), arguments: [name]).map(Self.consoleOperator)
        }
    }

    public func consoleOperators() async throws -> [ConsoleOperator] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM operators ORDER BY name")).map(Self.consoleOperator)
        }
    }

    static func consoleOperator(_ row: Row) throws -> ConsoleOperator {
        let name: String = row["name"]
        guard let role = ConsoleOperator.Role(rawValue: row["role"]) else {
            throw StoreError(.corruptRow, "operator \(name): unknown role \(row["role"] as String)")
        }
        return ConsoleOperator(
            name: name, role: role, passwordHash: row["password_hash"], createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]))
    }

    public func putSession(key: String, data: [UInt8], expiresAt: Timestamp?, now: Timestamp) async throws {
        try await writer.write { db in
            try db.cachedStatement(sql: "DELETE FROM console_sessions WHERE expires_at <= ?").execute(arguments: [now.millisecondsSinceEpoch])
            try db.cachedStatement(sql: """
                    INSERT INTO console_sessions (key, data, expires_at) VALUES (?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET data = excluded.data, expires_at = COALESCE(excluded.expires_at, console_sessions.expires_at)
                    """).execute(arguments: [key, Data(data), expiresAt?.millisecondsSinceEpoch])
        }
    }

    public func session(key: String, now: Timestamp) async throws -> StoredSession? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT data, expires_at FROM console_sessions WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)"),
                    arguments: [key, now.millisecondsSinceEpoch])
            else { return nil }
            let data: Data = row["data"]
            return StoredSession(data: Array(data), expiresAt: (row["expires_at"] as Int64?).map(Timestamp.init(millisecondsSinceEpoch:)))
        }
    }

    public func removeSession(key: String) async throws {
        try await writer.write { db in
            try db.cachedStatement(sql: "DELETE FROM console_sessions WHERE key = ?").execute(arguments: [key])
        }
    }
}

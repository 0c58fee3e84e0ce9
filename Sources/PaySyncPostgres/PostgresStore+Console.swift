import PaySyncCore
import PaySyncStore
import PostgresNIO

extension PostgresStore {
    public func insertOperator(_ consoleOperator: ConsoleOperator) async throws {
        do {
            _ = try await rows(
                """
                INSERT INTO operators (name, role, password_hash, created_at)
                VALUES (\(consoleOperator.name), \(consoleOperator.role.rawValue), \(consoleOperator.passwordHash), \(consoleOperator.createdAt.millisecondsSinceEpoch))
                """)
        } catch where Self.isUniqueViolation(error) {
            throw StoreError(.duplicateOperator, "an operator named \(consoleOperator.name) already exists")
        }
    }

    public func consoleOperator(name: String) async throws -> ConsoleOperator? {
        try await rows("SELECT * FROM operators WHERE name = \(name)").first.map(Self.consoleOperator)
    }

    public func consoleOperators() async throws -> [ConsoleOperator] {
        try await rows("SELECT * FROM operators ORDER BY name").map(Self.consoleOperator)
    }

    static func consoleOperator(_ row: PostgresRandomAccessRow) throws -> ConsoleOperator {
        let name = try row["name"].decode(String.self)
        let roleText = try row["role"].decode(String.self)
        guard let role = ConsoleOperator.Role(rawValue: roleText) else { throw StoreError(.corruptRow, "operator \(name): unknown role \(roleText)") }
        return ConsoleOperator(
            name: name, role: role, passwordHash: try row["password_hash"].decode(String.self),
            createdAt: Timestamp(millisecondsSinceEpoch: try row["created_at"].decode(Int64.self)))
    }

    public func putSession(key: String, data: [UInt8], expiresAt: Timestamp?, now: Timestamp) async throws {
        try await transaction { connection in
            _ = try await rows("DELETE FROM console_sessions WHERE expires_at <= \(now.millisecondsSinceEpoch)", connection)
            _ = try await rows(
                """
                INSERT INTO console_sessions (key, data, expires_at) VALUES (\(key), \(ByteBuffer(bytes: data)), \(expiresAt?.millisecondsSinceEpoch))
                ON CONFLICT (key) DO UPDATE SET data = excluded.data, expires_at = COALESCE(excluded.expires_at, console_sessions.expires_at)
                """, connection)
        }
    }

    public func session(key: String, now: Timestamp) async throws -> StoredSession? {
        guard
            let row = try await rows(
                """
                SELECT data, expires_at FROM console_sessions
                WHERE key = \(key) AND (expires_at IS NULL OR expires_at > \(now.millisecondsSinceEpoch))
                """
            ).first
        else { return nil }
        let data = try row["data"].decode(ByteBuffer.self)
        return StoredSession(
            data: Array(data.readableBytesView), expiresAt: try row["expires_at"].decode(Int64?.self).map(Timestamp.init(millisecondsSinceEpoch:)))
    }

    public func removeSession(key: String) async throws {
        _ = try await rows("DELETE FROM console_sessions WHERE key = \(key)")
    }
}

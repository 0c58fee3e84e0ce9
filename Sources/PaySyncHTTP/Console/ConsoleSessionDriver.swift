import Foundation
import Hummingbird
import PaySyncEngine

/// hummingbird-auth's session storage over PaySync's store (through `OperatorService`): every
/// instance on one database shares the console's sessions, which expire on PaySync's clock.
struct ConsoleSessionDriver: PersistDriver {
    let operators: OperatorService

    func create<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        // Keys are 32 random bytes: a collision is never expected, but `create` must refuse one.
        if try await operators.session(cookie: key) != nil { throw PersistError.duplicate }
        try await set(key: key, value: value, expires: expires)
    }

    func set<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        try await operators.saveSession(cookie: key, data: Array(try JSONEncoder().encode(value)), expiresIn: expires)
    }

    func get<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> Object? {
        try await getWithTTL(key: key, as: type)?.object
    }

    func getWithTTL<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> (object: Object, ttl: Duration?)? {
        guard let (data, ttl) = try await operators.session(cookie: key) else { return nil }
        do {
            return (try JSONDecoder().decode(type, from: Data(data)), ttl)
        } catch {
            throw PersistError.invalidConversion
        }
    }

    func remove(key: String) async throws {
        try await operators.endSession(cookie: key)
    }
}

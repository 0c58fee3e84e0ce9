import Crypto
import HummingbirdBcrypt
import NIOPosix
import PaySyncCore
import PaySyncStore
import Synchronization

/// The console's people: adding them (`paysync operators add`), signing them in against their
/// bcrypt hash with a throttle on failures, and writing their actions into an order's audit log.
public final class OperatorService: Sendable {
    let store: any PaySyncStore
    let clock: any PaySyncClock
    /// bcrypt's cost: 2^cost rounds. 12 takes about 0.25 s here; tests lower it.
    let cost: UInt8
    private let throttle: Mutex<LoginThrottle>

    public init(store: any PaySyncStore, clock: any PaySyncClock, cost: UInt8 = 12, throttle: LoginThrottle = LoginThrottle()) {
        self.store = store
        self.clock = clock
        self.cost = cost
        self.throttle = Mutex(throttle)
    }

    /// Shortest password accepted; bcrypt reads only the first 72 bytes, so longer is refused too.
    public static let passwordBytes = 12...72

    /// Adds an operator with the password's bcrypt hash.
    /// - Throws: `invalid` for a name that is not 1–64 of `a-z 0-9 . _ -` or a password out of
    ///   `passwordBytes`; `conflict` (`operator_exists`) for a taken name.
    public func add(name: String, role: ConsoleOperator.Role, password: String) async throws -> ConsoleOperator {
        guard (1...64).contains(name.utf8.count), name.utf8.allSatisfy({ Self.nameBytes.contains($0) }) else {
            throw PaySyncError(.invalid, code: "invalid_operator_name", message: "an operator name is 1 to 64 of a-z, 0-9, '.', '_' and '-'", field: "name")
        }
        guard Self.passwordBytes.contains(password.utf8.count) else {
            throw PaySyncError(
                .invalid, code: "invalid_password",
                message: "a password is \(Self.passwordBytes.lowerBound) to \(Self.passwordBytes.upperBound) bytes (bcrypt reads no more)", field: "password")
        }
        let cost = cost
        let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
        let added = ConsoleOperator(name: name, role: role, passwordHash: hash, createdAt: clock.now())
        do {
            try await store.insertOperator(added)
        } catch let error as StoreError where error.code == .duplicateOperator {
            throw PaySyncError(.conflict, code: "operator_exists", message: error.message, field: "name")
        }
        return added
    }

    private static let nameBytes = Set("abcdefghijklmnopqrstuvwxyz0123456789._-".utf8)

    /// The operator whose password this is, from `address`.
    /// - Throws: `rateLimited` (`too_many_attempts`) while the name or the address has had
    ///   `maximumFailures` failures in the window — before the password is even checked, and
    ///   counting attempts still being checked as failures;
    ///   `unauthorized` (`wrong_credentials`, the same for an unknown name) otherwise.
    public func signIn(name: String, password: String, address: String) async throws -> ConsoleOperator {
        let keys = LoginThrottle.keys(name: name, address: address)
        let now = clock.now()
        if let wait = throttle.withLock({ $0.admit(keys, now: now) }) {
            throw PaySyncError(
                .rateLimited, code: "too_many_attempts", message: "too many failed sign-ins; try again in \((wait + 999) / 1_000) s")
        }
        let found = try await store.consoleOperator(name: name)
        let hash = found?.passwordHash
        let matches = try await NIOThreadPool.singleton.runIfActive {
            // An unknown name costs a hash check too, so timing does not tell which names exist.
            Bcrypt.verify(password, hash: hash ?? Self.unknownNameHash)
        }
        guard let found, matches else {
            // Counted already, when it was admitted.
            throw PaySyncError(.unauthorized, code: "wrong_credentials", message: "the name or the password is wrong")
        }
        throttle.withLock { $0.succeeded(keys, at: now) }
        return found
    }

    /// A bcrypt hash of a random password nobody knows, checked for unknown names; made once.
    private static let unknownNameHash = Bcrypt.hash(String(UInt64.random(in: .min ... .max), radix: 36), cost: 12)

    /// The operator named, for a session that names one; `nil` once they no longer exist.
    public func find(name: String) async throws -> ConsoleOperator? {
        try await store.consoleOperator(name: name)
    }

    public func list() async throws -> [ConsoleOperator] {
        try await store.consoleOperators()
    }

    /// Writes an operator's action on an order — what, by whom, why and how it ended — to its
    /// audit log: the summary says `result`, the row's outcome is `failed` or `done`.
    public func audit(_ action: String, on orderID: OrderID?, by consoleOperator: ConsoleOperator, reason: String, result: String, failed: Bool) async throws {
        try await store.appendAudit([
            AuditRecord(
                orderID: orderID, kind: .operator,
                summary: "\(action) by \(consoleOperator.name) in the console: " + (failed ? "failed, " : "") + result, detail: reason,
                operation: action, outcome: failed ? "failed" : "done", at: clock.now())
        ])
    }

    // MARK: Sessions

    /// Stores a session's data under the SHA-256 of its cookie, so a copy of the database signs
    /// nobody in. `expiresIn` `nil` keeps the session's expiry.
    public func saveSession(cookie: String, data: [UInt8], expiresIn: Duration?) async throws {
        let now = clock.now()
        let expiresAt = expiresIn.map { now.adding(milliseconds: $0.components.seconds * 1_000 + $0.components.attoseconds / 1_000_000_000_000_000) }
        try await store.putSession(key: Self.key(cookie), data: data, expiresAt: expiresAt, now: now)
    }

    /// A live session's data and the time it has left.
    public func session(cookie: String) async throws -> (data: [UInt8], ttl: Duration?)? {
        let now = clock.now()
        guard let stored = try await store.session(key: Self.key(cookie), now: now) else { return nil }
        return (stored.data, stored.expiresAt.map { .milliseconds($0.millisecondsSinceEpoch - now.millisecondsSinceEpoch) })
    }

    public func endSession(cookie: String) async throws {
        try await store.removeSession(key: Self.key(cookie))
    }

    static func key(_ cookie: String) -> String {
        SHA256.hash(data: Array(cookie.utf8)).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

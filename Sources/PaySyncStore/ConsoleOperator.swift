import PaySyncCore

/// A person who signs in to the console: a name, what they may do, and their password as a slow
/// hash (bcrypt). The merchant API's bearer token is not an operator.
public struct ConsoleOperator: Hashable, Sendable {
    public enum Role: String, Hashable, Sendable, CaseIterable {
        /// Reads every screen; acts on nothing.
        case viewer
        /// Reads, and acts: cancels, refunds, verifies, resolves reviews, replays callbacks.
        case `operator`
    }

    public let name: String
    public let role: Role
    /// The password's bcrypt hash (`$2b$…`); never the password.
    public let passwordHash: String
    public let createdAt: Timestamp

    public init(name: String, role: Role, passwordHash: String, createdAt: Timestamp) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }
}

/// A console session's stored data: opaque bytes under the hash of the session cookie, with the
/// time it expires.
public struct StoredSession: Hashable, Sendable {
    public let data: [UInt8]
    public let expiresAt: Timestamp?

    public init(data: [UInt8], expiresAt: Timestamp?) {
        self.data = data
        self.expiresAt = expiresAt
    }
}

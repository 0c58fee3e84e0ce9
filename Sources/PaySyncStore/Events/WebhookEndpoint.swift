import Foundation
import PaySyncCore

/// A merchant's receiver of events: where they go, which ones, and the secrets that sign them.
public struct WebhookEndpoint: Hashable, Sendable {
    public enum State: Hashable, Sendable {
        case enabled
        /// Receives nothing until enabled again; events committed meanwhile are kept, and
        /// `recover` sends them. `reason`: `operator`, `gone` (it answered 410) or `failing`
        /// (it failed for longer than allowed).
        case disabled(reason: String)
    }

    /// `ep_` and 32 hex digits.
    public let id: String
    public let account: MerchantAccountID
    public var url: String
    public var types: EventSelection
    public var state: State
    public var description: String
    /// Newest first. The first signs alone once every other has expired; until then each unexpired
    /// one signs too, so a receiver holding either verifies.
    public var secrets: [EndpointSecret]
    /// When the current run of failed attempts began; `nil` after a delivered one.
    public var failingSince: Timestamp?
    public let createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, account: MerchantAccountID, url: String, types: EventSelection, state: State, description: String, secrets: [EndpointSecret],
        failingSince: Timestamp?, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.account = account
        self.url = url
        self.types = types
        self.state = state
        self.description = description
        self.secrets = secrets
        self.failingSince = failingSince
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The secrets that sign at `now`: the newest, and every older one not yet expired.
    public func signingSecrets(at now: Timestamp) -> [EndpointSecret] {
        secrets.enumerated().filter { index, secret in index == 0 || (secret.expiresAt.map { $0 > now } ?? true) }.map(\.element)
    }
}

extension WebhookEndpoint.State {
    /// The `state` and `disabled_reason` columns every driver stores.
    public var columns: (state: String, reason: String?) {
        switch self {
        case .enabled: ("enabled", nil)
        case .disabled(let reason): ("disabled", reason)
        }
    }

    /// Reads `columns` back; `nil` for a state that does not exist.
    public init?(state: String, reason: String?) {
        switch state {
        case "enabled": self = .enabled
        case "disabled": self = .disabled(reason: reason ?? "operator")
        default: return nil
        }
    }
}

/// A Standard Webhooks secret: `whsec_` and the base64 of 24 to 64 random bytes.
public struct EndpointSecret: Hashable, Sendable {
    public let secret: String
    /// When a rotated-out secret stops signing; `nil` for the current one.
    public var expiresAt: Timestamp?

    public init(secret: String, expiresAt: Timestamp? = nil) {
        self.secret = secret
        self.expiresAt = expiresAt
    }
}

extension EndpointSecret {
    private struct Stored: Codable {
        let secret: String
        let expiresAt: Int64?
    }

    /// The stored form of an endpoint's secrets, the same in every driver: a JSON array.
    public static func stored(_ secrets: [EndpointSecret]) throws -> String {
        let rows = secrets.map { Stored(secret: $0.secret, expiresAt: $0.expiresAt?.millisecondsSinceEpoch) }
        return String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
    }

    /// Reads `stored`'s form back.
    public static func secrets(stored: String) throws -> [EndpointSecret] {
        try JSONDecoder().decode([Stored].self, from: Data(stored.utf8)).map {
            EndpointSecret(secret: $0.secret, expiresAt: $0.expiresAt.map(Timestamp.init(millisecondsSinceEpoch:)))
        }
    }
}

import PaySyncCore

/// An error a caller of the engine can act on: a stable `code`, a sentence for people, the
/// request `field` at fault when there is one, and a `kind` the HTTP layer maps to a status.
public struct PaySyncError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The request is malformed or breaks a rule (400).
        case invalid
        /// The thing named does not exist (404).
        case notFound
        /// The request contradicts what is stored (409).
        case conflict
        /// The gateway refused the call or gave no answer (502).
        case gateway
        /// PaySync's store could not finish the request; retry later (503).
        case unavailable
        /// The credentials are wrong or missing (401).
        case unauthorized
        /// The caller is known but may not do this (403).
        case forbidden
        /// Too many attempts; retry after a while (429).
        case rateLimited
    }

    public let kind: Kind
    public let code: String
    public let message: String
    public let field: String?

    public init(_ kind: Kind, code: String, message: String, field: String? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { "\(code): \(message)" }

    /// A gateway with no credentials for the account (400 `provider_not_configured`).
    public static func providerNotConfigured(_ provider: ProviderID, account: MerchantAccountID) -> PaySyncError {
        PaySyncError(.invalid, code: "provider_not_configured", message: "no \(provider) credentials are configured for account \(account)", field: "provider")
    }
}

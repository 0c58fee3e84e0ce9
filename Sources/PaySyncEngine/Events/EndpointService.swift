import Foundation
import PaySyncCore
import PaySyncStore
import PaySyncTransport

/// The merchant's endpoints: created with a secret PaySync generates and shows once, changed,
/// rotated (the old secret keeps signing for an overlap), deleted.
public struct EndpointService: Sendable {
    /// What endpoint URLs may name (configuration `events.*`).
    public struct Rules: Hashable, Sendable {
        /// Whether loopback, private, link-local and unique-local addresses (and `localhost`) may
        /// receive events. On by default: a self-hosted PaySync delivers to the merchant's own
        /// internal systems. A hosted one, whose API users are not the network's owners, turns it
        /// off so an endpoint cannot be aimed at the host's neighbours (docs/events.md).
        public var allowPrivateAddresses: Bool
        /// How long a rotated-out secret keeps signing beside the new one.
        public var rotationOverlapMilliseconds: Int64

        public init(allowPrivateAddresses: Bool = true, rotationOverlapMilliseconds: Int64 = 86_400_000) {
            self.allowPrivateAddresses = allowPrivateAddresses
            self.rotationOverlapMilliseconds = rotationOverlapMilliseconds
        }
    }

    /// An endpoint's fields as a request gives them; `nil` leaves a field as it is (or, on
    /// create, takes its default: every type, enabled, no description).
    public struct Fields: Hashable, Sendable {
        public var url: String?
        public var types: EventSelection?
        public var enabled: Bool?
        public var description: String?

        public init(url: String? = nil, types: EventSelection? = nil, enabled: Bool? = nil, description: String? = nil) {
            self.url = url
            self.types = types
            self.enabled = enabled
            self.description = description
        }
    }

    let store: any PaySyncStore
    let clock: any PaySyncClock
    let rules: Rules

    public init(store: any PaySyncStore, clock: any PaySyncClock, rules: Rules = Rules()) {
        self.store = store
        self.clock = clock
        self.rules = rules
    }

    /// Creates an endpoint; its secret is in the result's `secrets` (the only time it is shown).
    public func create(account: MerchantAccountID, _ fields: Fields) async throws -> WebhookEndpoint {
        guard let url = fields.url else { throw PaySyncError(.invalid, code: "invalid_url", message: "url is required", field: "url") }
        try validate(url: url)
        let now = clock.now()
        let endpoint = WebhookEndpoint(
            id: Self.newID(), account: account, url: url, types: fields.types ?? .all, state: fields.enabled == false ? .disabled(reason: "operator") : .enabled,
            description: fields.description ?? "", secrets: [EndpointSecret(secret: WebhookSignature.newSecret())], failingSince: nil,
            createdAt: now, updatedAt: now)
        try await store.insertEndpoint(endpoint)
        return endpoint
    }

    public func get(id: String) async throws -> WebhookEndpoint {
        guard let endpoint = try await store.endpoint(id: id) else { throw notFound(id) }
        return endpoint
    }

    public func list(account: MerchantAccountID?) async throws -> [WebhookEndpoint] {
        try await store.endpoints(account: account)
    }

    /// Changes the given fields. Enabling a disabled endpoint ends its run of failures; events
    /// committed while it was disabled are sent by `EventService.recover`.
    public func update(id: String, _ fields: Fields) async throws -> WebhookEndpoint {
        if let url = fields.url { try validate(url: url) }
        let now = clock.now()
        return try await mapped(id) {
            try await store.updateEndpoint(id: id) { endpoint in
                var endpoint = endpoint
                if let url = fields.url { endpoint.url = url }
                if let types = fields.types { endpoint.types = types }
                if let description = fields.description { endpoint.description = description }
                switch (fields.enabled, endpoint.state) {
                case (true?, .disabled):
                    endpoint.state = .enabled
                    endpoint.failingSince = nil
                case (false?, .enabled): endpoint.state = .disabled(reason: "operator")
                case (nil, _), (true?, .enabled), (false?, .disabled): break
                }
                endpoint.updatedAt = now
                return endpoint
            }
        }
    }

    /// The longest overlap a rotation may ask for: a year.
    public static let longestOverlapSeconds: Int64 = 31_536_000

    public static let invalidOverlap = PaySyncError(
        .invalid, code: "invalid_overlap", message: "overlapSeconds is a whole number of seconds from 0 to \(longestOverlapSeconds) (a year)",
        field: "overlapSeconds")

    /// A new secret signs from now on; the previous one keeps signing beside it for
    /// `overlapMilliseconds` (default `rules.rotationOverlapMilliseconds`), so receivers can
    /// switch without a gap. Secrets whose overlap ended are dropped.
    public func rotate(id: String, overlapMilliseconds: Int64? = nil) async throws -> WebhookEndpoint {
        let now = clock.now()
        let overlap = overlapMilliseconds ?? rules.rotationOverlapMilliseconds
        guard (0...Self.longestOverlapSeconds * 1_000).contains(overlap) else { throw Self.invalidOverlap }
        let secret = WebhookSignature.newSecret()
        return try await mapped(id) {
            try await store.updateEndpoint(id: id) { endpoint in
                var endpoint = endpoint
                var older = endpoint.secrets.filter { $0.expiresAt.map { $0 > now } ?? true }
                if !older.isEmpty, older[0].expiresAt == nil { older[0].expiresAt = now.adding(milliseconds: overlap) }
                endpoint.secrets = [EndpointSecret(secret: secret)] + older.filter { $0.expiresAt.map { $0 > now } ?? false }
                endpoint.updatedAt = now
                return endpoint
            }
        }
    }

    public func delete(id: String) async throws {
        try await mapped(id) { try await store.deleteEndpoint(id: id) }
    }

    /// http or https, a host, no credentials; no private address unless `rules` allow one.
    func validate(url text: String) throws {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme) else {
            throw PaySyncError(.invalid, code: "invalid_url", message: "an endpoint URL is absolute, http or https", field: "url")
        }
        guard let host = url.host, !host.isEmpty, Self.isHostName(host) || Self.isIPv6Literal(host) else {
            throw PaySyncError(.invalid, code: "invalid_url", message: "an endpoint URL names a host: letters, digits, \"-\" and \".\", or an IP address", field: "url")
        }
        guard url.user == nil, url.password == nil else {
            throw PaySyncError(.invalid, code: "invalid_url", message: "an endpoint URL carries no credentials", field: "url")
        }
        if !rules.allowPrivateAddresses, NetworkAddress.isPrivate(literal: host) {
            throw PaySyncError(
                .invalid, code: "private_address", message: "\(host) is a loopback or private address, which this PaySync does not deliver to",
                field: "url")
        }
    }

    /// A DNS name or an IPv4 address: letters, digits, "-" and ".".
    static func isHostName(_ host: String) -> Bool {
        host.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." }
    }

    /// An IPv6 address as a URL's host carries it, with or without its brackets.
    static func isIPv6Literal(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return bare.contains(":") && bare.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." }
    }

    private func mapped<T>(_ id: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as StoreError where error.code == .endpointNotFound { throw notFound(id) }
    }

    private func notFound(_ id: String) -> PaySyncError {
        PaySyncError(.notFound, code: "endpoint_not_found", message: "no endpoint \(id)")
    }

    /// `ep_` and 128 random bits in hex.
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return "ep_" + [generator.next() as UInt64, generator.next() as UInt64].map { value in
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }
}

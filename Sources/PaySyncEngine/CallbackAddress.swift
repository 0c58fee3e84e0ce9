import Synchronization

/// PaySync's address as gateways reach it (`http://host:port`), from which notify URLs are made:
/// `<base>/callbacks/<provider>/<account>`. Settable once the server knows its port (a server
/// bound to port 0 learns it only when running).
public final class CallbackAddress: Sendable {
    private let base: Mutex<String>

    public init(_ base: String) {
        self.base = Mutex(base)
    }

    public var baseURL: String { base.withLock { $0 } }

    public func set(_ baseURL: String) {
        base.withLock { $0 = baseURL }
    }

    /// The notify URL of `provider` for `account`.
    public func notifyURL(provider: String, account: String) -> String {
        "\(baseURL)/callbacks/\(provider)/\(account)"
    }
}

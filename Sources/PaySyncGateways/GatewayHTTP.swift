/// An HTTP request an adapter built, for the engine's transport to send. Headers keep their case.
public struct GatewayHTTPRequest: Hashable, Sendable {
    public enum Method: String, Hashable, Sendable { case get = "GET", post = "POST" }

    public var method: Method
    /// An absolute URL, query string included.
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: Method, url: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body
            && lhs.headers.map { "\($0.name):\($0.value)" } == rhs.headers.map { "\($0.name):\($0.value)" }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(method)
        hasher.combine(url)
        hasher.combine(body)
    }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// What came back over HTTP: the status, headers and the body's exact bytes.
public struct GatewayHTTPResponse: Hashable, Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    /// `headers` keys are lower-cased here so lookups need not care.
    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = lowerCasedNames(headers)
        self.body = body
    }
}

/// An inbound gateway callback as it reached PaySync: lower-cased header names, the exact body.
public struct InboundCallback: Hashable, Sendable {
    public var headers: [String: String]
    public var body: [UInt8]

    public init(headers: [String: String], body: [UInt8]) {
        self.headers = lowerCasedNames(headers)
        self.body = body
    }
}

/// `headers` with lower-cased names; the same dictionary, not a copy, when they already are (as
/// HTTP types' canonical names are): this runs for every callback and every gateway answer.
func lowerCasedNames(_ headers: [String: String]) -> [String: String] {
    guard headers.keys.contains(where: { $0.utf8.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) }) else { return headers }
    return Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
}

import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PaySyncCore
import PaySyncEngine
import PaySyncApp
import PaySyncHTTP
import PaySyncSQLite
import PaySyncSandbox
import Prometheus
import Testing
import PaySyncStore

/// PaySync over a fresh SQLite file and a manual clock, live on loopback, with the four gateways
/// played by a live sandbox on the same clock: the sandbox's callbacks reach PaySync over HTTP.
struct APIHarness: Sendable {
    static let token = "test-token"
    /// The manual clock's start.
    static let start = Timestamp(millisecondsSinceEpoch: 1_795_538_439_000)
    /// `HTTPClient.shared`'s configuration (its 90 s connect timeout bounds the wait for a pooled
    /// connection: 100 concurrent requests on a loaded machine need it), following no redirect: a
    /// test reads each answer as the server gave it (the console answers forms with 303s).
    static let httpClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
    /// Made once: RSA key generation is the slow part of a harness.
    static let credentials = SandboxCredentials.generate()
    let store: SQLiteStore
    /// The store's SQLite file.
    let path: String
    let clock = ManualClock(Timestamp(millisecondsSinceEpoch: 1_795_538_439_000))
    let sandbox: Sandbox
    let callbacks = CallbackAddress("http://127.0.0.1:9")
    private let maxBodyBytes: Int
    private let gatewaysReachable: Bool
    private let sweep: SweepPolicy?
    private let reconcilerPolicy: ReconcilerPolicy
    private let logger: Logger
    private let endpointRules: EndpointService.Rules
    private let gatewayTimeoutMilliseconds: Int64

    /// - Parameter gatewaysReachable: `false` points the adapters at a closed port (no verdict).
    init(
        maxBodyBytes: Int = 65_536, gatewaysReachable: Bool = true, faults: FaultPlan = .none, sweep: SweepPolicy? = nil,
        reconcilerPolicy: ReconcilerPolicy = ReconcilerPolicy(), endpointRules: EndpointService.Rules = EndpointService.Rules(),
        gatewayTimeoutMilliseconds: Int64 = 10_000, logger: Logger = Logger(label: "paysync")
    ) throws {
        self.gatewayTimeoutMilliseconds = gatewayTimeoutMilliseconds
        self.logger = logger
        self.endpointRules = endpointRules
        self.reconcilerPolicy = reconcilerPolicy
        self.gatewaysReachable = gatewaysReachable
        self.sweep = sweep
        path = FileManager.default.temporaryDirectory.appendingPathComponent("paysync-api-\(UUID().uuidString).sqlite").path
        store = try SQLiteStore(path: path)
        var configuration = try Self.credentials.sandboxConfiguration()
        configuration.faults = faults
        sandbox = try Sandbox(configuration: configuration, clock: clock)
        self.maxBodyBytes = maxBodyBytes
    }

    /// Sends the sandbox's due callbacks to PaySync.
    func deliver() async { await sandbox.deliverDueCallbacks() }

    /// The order with this merchant number in the default account.
    func order(_ number: String) async throws -> Order? {
        try await store.order(account: .default, number: try MerchantOrderNumber(number))
    }

    /// Runs `body` against PaySync (the sandbox live beside it), then closes the store.
    func run(_ body: @escaping @Sendable (APIClient) async throws -> Void) async throws {
        try await Application(router: sandbox.router()).test(.live) { sandboxClient in
            var directory = GatewayDirectory()
            let base = gatewaysReachable ? "http://127.0.0.1:\(sandboxClient.port!)" : "http://127.0.0.1:9"
            for adapter in try Self.credentials.adapters(baseURL: base) {
                directory.register(adapter, account: .default)
                directory.register(adapter, account: try MerchantAccountID("shop-b"))
            }
            var policy = OrderPolicy()
            policy.accounts = [.default, try MerchantAccountID("shop-b")]
            if let sweep { policy.sweeps[try ProviderID("codepay")] = sweep }
            let instance = PaySyncInstance(
                store: store, directory: directory, clock: clock, policy: policy, callbacks: callbacks,
                gatewayTimeoutMilliseconds: gatewayTimeoutMilliseconds, maxBodyBytes: maxBodyBytes,
                reconcilerPolicy: reconcilerPolicy, endpointRules: endpointRules, passwordCost: 4, owner: "test", logger: logger)
            let router = instance.router(apiToken: Self.token)
            try await Application(router: router).test(.live) { client in
                callbacks.set("http://127.0.0.1:\(client.port!)")
                // AsyncHTTPClient's pool, not the test client's one connection: concurrent requests
                // reach the server concurrently, as a shop's and the gateways' do.
                let base = "http://127.0.0.1:\(client.port!)"
                try await body(APIClient(instance: instance, port: client.port!, send: { uri, method, headers, bodyBytes in
                    var request = HTTPClientRequest(url: base + uri)
                    request.method = .init(rawValue: method.rawValue)
                    for field in headers { request.headers.add(name: field.name.rawName, value: field.value) }
                    if let bodyBytes { request.body = .bytes(bodyBytes) }
                    let response = try await Self.httpClient.execute(request, timeout: .seconds(60))
                    let bytes = try await response.body.collect(upTo: 1 << 24)
                    var fields = HTTPFields()
                    for (name, value) in response.headers {
                        if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
                    }
                    return APIResponse(status: Int(response.status.code), headers: fields, body: Data(bytes.readableBytesView))
                }))
            }
        }
        try await store.close()
    }
}

struct APIResponse: Sendable {
    let status: Int
    let headers: HTTPFields
    let body: Data

    /// The body as a JSON object.
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    /// `error` of an error body.
    var error: [String: String] { json["error"] as? [String: String] ?? [:] }
    /// `order` of a create/cancel body.
    var order: [String: Any] { json["order"] as? [String: Any] ?? [:] }
    var text: String { String(decoding: body, as: UTF8.self) }
}

struct APIClient: Sendable {
    /// PaySync's engine over the same store, gateways and clock; tests step the clock and run its reconciler.
    let instance: PaySyncInstance
    var reconciler: Reconciler { instance.reconciler }
    /// PaySync's port on 127.0.0.1, for tests that speak raw TCP.
    let port: Int
    let send: @Sendable (String, HTTPRequest.Method, HTTPFields, ByteBuffer?) async throws -> APIResponse

    func request(
        _ method: HTTPRequest.Method, _ uri: String, json: String? = nil, contentType: String = "application/json",
        token: String? = APIHarness.token
    ) async throws -> APIResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = contentType }
        return try await send(uri, method, headers, json.map { ByteBuffer(string: $0) })
    }

    /// A POST with exactly these headers and bytes (a gateway's callback).
    func post(_ uri: String, headers: [String: String], body: [UInt8]) async throws -> APIResponse {
        var fields: HTTPFields = [:]
        for (name, value) in headers { if let field = HTTPField.Name(name) { fields[field] = value } }
        return try await send(uri, .post, fields, ByteBuffer(bytes: body))
    }

    /// Posts a sandbox-signed message to PaySync's callback route for `provider`.
    func deliver(_ message: SignedMessage?, _ provider: String, account: String = "default") async throws -> APIResponse {
        let message = try #require(message)
        return try await post("/callbacks/\(provider)/\(account)", headers: message.headers, body: message.body)
    }

    /// POST /v1/orders with the usual fields, overridable one by one.
    func create(
        number: String? = "A-1001", amount: String = "100.50", currency: String = "USD", provider: String = "codepay",
        account: String? = nil
    ) async throws -> APIResponse {
        var fields = ["\"provider\":\"\(provider)\"", "\"amount\":\"\(amount)\"", "\"currency\":\"\(currency)\"", "\"subject\":\"T-shirt\""]
        if let number { fields.append("\"merchantOrderNumber\":\"\(number)\"") }
        if let account { fields.append("\"account\":\"\(account)\"") }
        return try await request(.post, "/v1/orders", json: "{" + fields.joined(separator: ",") + "}")
    }
}

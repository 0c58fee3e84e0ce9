import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import PaySyncCore
import PaySyncEngine
import PaySyncGateways
import PaySyncPostgres
import PaySyncSQLite
import PaySyncSandbox
import PaySyncStore
import PaySyncTransport
import Synchronization
import Testing

/// A merchant endpoint on loopback that counts what it receives by `webhook-id`, answering 204
/// after `delay`, and runs `onCount` once when it has received `count` requests.
final class CountingReceiver: Sendable {
    let received = Mutex<[String]>([])
    let trigger = Mutex<(count: Int, action: (@Sendable () -> Void)?)>((0, nil))
    let delay: Duration

    init(delay: Duration = .zero) { self.delay = delay }

    func whenReceived(count: Int, _ action: @escaping @Sendable () -> Void) { trigger.withLock { $0 = (count, action) } }

    var ids: [String] { received.withLock { $0 } }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("hooks") { request, _ -> HTTPResponse.Status in
            let id = request.headers[HTTPField.Name("webhook-id")!] ?? "none"
            let count = self.received.withLock { received in
                received.append(id)
                return received.count
            }
            let action = self.trigger.withLock { trigger -> (@Sendable () -> Void)? in
                guard count == trigger.count, let action = trigger.action else { return nil }
                trigger.action = nil
                return action
            }
            action?()
            if self.delay > .zero { try await Task.sleep(for: self.delay) }
            return .noContent
        }
        return router
    }
}

@Suite("Event delivery across processes")
struct EventDeliverySystemTests {
    static let events = 300

    /// An order committed straight into `store`: one `order.pending` event.
    static func insertOrder(_ store: any PaySyncStore, _ number: String, at: Timestamp) async throws {
        var random = SystemRandomNumberGenerator()
        let order = Order(
            id: .make(at: at, using: &random), account: .default, merchantOrderNumber: try MerchantOrderNumber(number), provider: try ProviderID("codepay"),
            amount: Money(minorUnits: 1_000, currency: .USD), subject: "x", status: .pending, attempt: 1, version: 1, gatewayOrderNumber: "G-\(number)",
            createdAt: at, updatedAt: at)
        try await store.insertOrder(
            order, event: OrderEvent(kind: "created", source: .merchantAPI, from: nil, to: .pending, outcome: .applied, attempt: 1, evidence: Evidence(summary: "x"), at: at),
            audit: [])
    }

    @Test("two instances on one PostgreSQL share the deliveries: every event is sent exactly once")
    func twoInstancesDeliverEachOnce() async throws {
        let url = try #require(ProcessInfo.processInfo.environment["PAYSYNC_TEST_POSTGRES_URL"], "scripts/test provides a PostgreSQL server")
        let schema = "ev_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let first = try await PostgresStore.connect(url: url, schema: schema)
        let second = try await PostgresStore.connect(url: url, schema: schema)
        let receiver = CountingReceiver(delay: .milliseconds(2))
        try await Application(router: receiver.router()).test(.live) { client in
            try await first.insertEndpoint(
                WebhookEndpoint(
                    id: "ep_shop", account: .default, url: "http://127.0.0.1:\(client.port!)/hooks", types: .all, state: .enabled, description: "",
                    secrets: [EndpointSecret(secret: WebhookSignature.newSecret())], failingSince: nil, createdAt: SystemClock().now(),
                    updatedAt: SystemClock().now()))
            for index in 0..<Self.events { try await Self.insertOrder(first, "E-\(index)", at: SystemClock().now()) }
            let policy = DeliveryPolicy(concurrencyPerEndpoint: 8, pollMilliseconds: 20)
            let deliverers = [first, second].map { store in
                EventDeliverer(store: store, transport: AsyncHTTPClientTransport(), clock: SystemClock(), policy: policy)
            }
            let running = deliverers.map { deliverer in Task { try await deliverer.run() } }
            let deadline = ContinuousClock.now + .seconds(60)
            while receiver.ids.count < Self.events, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            // Anything sent twice would arrive within the leases' length; none is due again.
            try await Task.sleep(for: .milliseconds(500))
            for task in running { task.cancel() }
            for task in running { _ = try await task.value }
            let ids = receiver.ids
            #expect(ids.count == Self.events)
            #expect(Set(ids).count == Self.events)
            let delivered = try await first.events(EventQuery(account: .default, delivered: .yes, limit: 1_000)).events.count
            #expect(delivered == Self.events)
        }
        try await first.close()
        try await second.close()
    }

    @Test("SIGKILL during a burst of deliveries, then a restart: every event reaches the endpoint, the interrupted ones again with the same id")
    func killDuringDeliveryBurst() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paysync-events-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = directory.appendingPathComponent("paysync.sqlite").path
        // The events are committed before PaySync starts; recovery turns them into one burst.
        let seeded = try SQLiteStore(path: database)
        for index in 0..<Self.events { try await Self.insertOrder(seeded, "K-\(index)", at: SystemClock().now()) }
        try await seeded.close()
        let transport = FreshPoolTransport()
        let receiver = CountingReceiver(delay: .milliseconds(20))
        try await Application(router: receiver.router()).test(.live) { client in
            let config = directory.appendingPathComponent("paysync.json").path
            try """
            {"database": {"url": "\(database)"}, "log": {"level": "warning"},
             "events": {"leaseSeconds": 2, "timeoutSeconds": 1, "concurrencyPerEndpoint": 8}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
            var paysync = try await PaySyncProcess.start(configFile: config, directory: directory, transport: transport)
            let port = paysync.port
            func call(_ method: GatewayHTTPRequest.Method, _ path: String, _ body: String = "") async -> GatewayHTTPResponse? {
                let answer = await transport.send(
                    GatewayHTTPRequest(
                        method: method, url: "http://127.0.0.1:\(port)\(path)",
                        headers: [("Authorization", "Bearer system-test"), ("Content-Type", "application/json")], body: Array(body.utf8)),
                    timeoutMilliseconds: 10_000)
                guard case .success(let response) = answer else { return nil }
                return response
            }
            let made = try #require(await call(.post, "/v1/endpoints", #"{"url":"http://127.0.0.1:\#(client.port!)/hooks"}"#))
            #expect(made.status == 201)
            let endpoint = try #require((try JSONSerialization.jsonObject(with: Data(made.body)) as? [String: Any])?["id"] as? String)
            let pid = paysync.pid
            receiver.whenReceived(count: Self.events / 10) { _ = Foundation.kill(pid, SIGKILL) }
            #expect(await call(.post, "/v1/endpoints/\(endpoint)/recover?since=2020-01-01T00:00:00Z")?.status == 202)
            paysync.waitUntilExit()
            let beforeKill = Set(receiver.ids)

            transport.renew()
            paysync = try await PaySyncProcess.start(configFile: config, port: port, directory: directory, transport: transport)
            // Every event reaches the endpoint, and PaySync records it delivered: its own feed has
            // nothing undelivered left.
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let pending = await call(.get, "/v1/events?delivered=false&limit=1")
                if Set(receiver.ids).count == Self.events, let pending, String(decoding: pending.body, as: UTF8.self).hasPrefix(#"{"events":[]"#) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            paysync.terminate()

            let store = try SQLiteStore(path: database)
            let events = try await store.events(EventQuery(account: .default, limit: 1_000)).events
            #expect(events.count == Self.events)
            #expect(Set(receiver.ids) == Set(events.map(\.id)))
            #expect(try await store.events(EventQuery(account: .default, delivered: .no, limit: 1_000)).events.isEmpty)
            #expect(beforeKill.count >= Self.events / 10 && beforeKill.count < Self.events)
            print("event crash test: \(beforeKill.count) of \(Self.events) events received before SIGKILL, \(receiver.ids.count) requests in all")
            try await store.close()
        }
        try await transport.shutdown()
    }
}

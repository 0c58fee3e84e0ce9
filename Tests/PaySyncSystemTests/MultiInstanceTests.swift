import Foundation
import Hummingbird
import HummingbirdTesting
import PaySyncCore
import PaySyncEngine
import PaySyncGateways
import PaySyncPostgres
import PaySyncSandbox
import PaySyncStore
import PaySyncTransport
import Synchronization
import Testing

@Suite("Several instances on PostgreSQL")
struct MultiInstanceTests {
    static let orders = 2_000

    @Test("three processes on one PostgreSQL, gateway faults, one SIGKILLed mid-run: every order agrees with the ledger, nothing happened twice")
    func threeInstancesOneKilled() async throws {
        let url = try #require(ProcessInfo.processInfo.environment["PAYSYNC_TEST_POSTGRES_URL"], "scripts/test provides a PostgreSQL server")
        let schema = "mi_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let databaseURL = url + "?schema=" + schema
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paysync-multi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let credentials = SandboxCredentials.generate()
        var configuration = try credentials.sandboxConfiguration()
        var rates = FaultPlan.Rates()
        rates.drop = 0.3
        rates.duplicate = 0.2
        rates.forge = 0.05
        rates.queryServerError = 0.1
        configuration.faults = FaultPlan(seed: 11, rates: ["codepay": rates, "payzapp": rates])
        let transport = FreshPoolTransport()
        let sandbox = try Sandbox(configuration: configuration, clock: SystemClock(), transport: transport)

        var failure: (any Error)?
        do {
            try await Self.run(sandbox: sandbox, credentials: credentials, databaseURL: databaseURL, directory: directory, transport: transport)
        } catch { failure = error }
        try await transport.shutdown()
        if let failure { throw failure }
    }

    static func run(sandbox: Sandbox, credentials: SandboxCredentials, databaseURL: String, directory: URL, transport: FreshPoolTransport) async throws {
        try await Application(router: sandbox.router()).test(.live) { sandboxClient in
            let config = try Self.writeConfig(credentials, sandboxPort: sandboxClient.port!, database: databaseURL, in: directory)
            var instances: [PaySyncProcess] = []
            for _ in 0..<3 { instances.append(try await PaySyncProcess.start(configFile: config, directory: directory, transport: transport)) }
            let ports = instances.map(\.port)
            let started = ContinuousClock.now
            defer { print("multi-instance test: \(ContinuousClock.now - started) from start to checks") }
            let alive = LivePorts(ports)
            let victim = instances[1]

            // The gateways deliver callbacks on their own timers while orders are made.
            let delivering = Task {
                while !Task.isCancelled {
                    await sandbox.deliverDueCallbacks()
                    try? await Task.sleep(nanoseconds: 50_000_000)
                }
            }
            let created = Counter()
            let unreached = SharedSet()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<16 {
                    group.addTask {
                        for index in stride(from: worker, to: Self.orders, by: 16) {
                            try await Self.create(index, alive: alive, transport: transport)
                            // Seven customers in ten pay at once; the others abandon the order.
                            if index % 10 < 7 {
                                do {
                                    try await sandbox.pay(Self.provider(index), Self.number(index))
                                } catch LedgerRefusal.notFound {
                                    // The instance died between storing the order and sending its create
                                    // to the gateway: the retry found it stored ("existing") and the
                                    // gateway never heard of it. The reconciler must close it.
                                    unreached.insert(index)
                                }
                            }
                            created.add()
                        }
                    }
                }
                // Halfway through, one instance dies with its leased checks and open connections.
                group.addTask {
                    while created.value < Self.orders / 2 { try await Task.sleep(nanoseconds: 10_000_000) }
                    alive.remove(ports[1])
                    victim.kill()
                }
                try await group.waitForAll()
            }

            let createdAt = ContinuousClock.now
            // The survivors settle everything: callbacks, ladder queries, closes.
            let store = try await PostgresStore.connect(url: databaseURL)
            let deadline = ContinuousClock.now.advanced(by: .seconds(180))
            var open = Self.orders
            while ContinuousClock.now < deadline {
                open = 0
                for status in [OrderStatus.created, .pending, .closing] {
                    open += try await store.listOrders(OrderQuery(status: status, limit: Self.orders)).orders.count
                }
                if open == 0 { break }
                try await Task.sleep(nanoseconds: 250_000_000)
            }
            let settledAt = ContinuousClock.now
            delivering.cancel()
            instances[0].terminate()
            instances[2].terminate()
            #expect(open == 0, "orders still open after 180 s")

            let ledger = Dictionary(uniqueKeysWithValues: await sandbox.ledger.allPayments().map { ($0.merchantOrderNumber, $0) })
            var disagreements: [String] = []
            var twice: [String] = []
            var outcomes: [String: Int] = [:]
            for index in 0..<Self.orders {
                let number = Self.number(index)
                guard let order = try await store.order(account: .default, number: try MerchantOrderNumber(number)) else {
                    disagreements.append("\(number): missing")
                    continue
                }
                let gateway = ledger[number]?.status
                let agrees =
                    switch (order.status, gateway) {
                    case (.paid, .paid?): index % 10 < 7
                    // The create never reached the gateway (its instance died first; the shop's retry
                    // found the order stored): closed here after the ladder. A payer saw that as
                    // "not found" at the gateway; an abandoning customer never tried.
                    case (.canceled, nil): unreached.contains(index) || index % 10 >= 7
                    // CodePay closes through its cancel API; PayZApp has none: closed here, still pending there.
                    case (.canceled, .canceled?): order.provider.rawValue == "codepay" && index % 10 >= 7
                    case (.canceled, .pending?): order.provider.rawValue == "payzapp" && index % 10 >= 7
                    default: false
                    }
                if !agrees { disagreements.append("\(number): \(order.status.rawValue) here, \(gateway?.rawValue ?? "none") at the gateway") }
                outcomes["\(order.provider.rawValue) \(order.status.rawValue)", default: 0] += 1
                let events = try await store.events(orderID: order.id)
                let transitions = events.filter { $0.outcome == .applied }.map(\.kind)
                let cancels = try await store.audit(orderID: order.id).filter { $0.operation == "cancel_payment" && $0.summary.contains("-> closed") }
                if Set(transitions).count != transitions.count || cancels.count > 1 {
                    twice.append("\(number): \(transitions), \(cancels.count) cancels")
                }
            }
            #expect(disagreements == [], "\(disagreements.prefix(5))")
            #expect(twice == [], "\(twice.prefix(5))")
            let lost = unreached.all
            let paidCodePay = 800 - lost.filter { $0 % 2 == 0 }.count
            let paidPayZApp = 600 - lost.filter { $0 % 2 == 1 }.count
            #expect(outcomes == [
                "codepay paid": paidCodePay, "codepay canceled": 1_000 - paidCodePay, "payzapp paid": paidPayZApp, "payzapp canceled": 1_000 - paidPayZApp,
            ])
            let forged = await sandbox.deliveries().filter { $0.kind == .forged }
            #expect(!forged.isEmpty)
            #expect(forged.allSatisfy { $0.outcome != .acknowledged })
            let neverAtGateway = (0..<Self.orders).filter { ledger[Self.number($0)] == nil }.count
            print("multi-instance test: \(outcomes), \(neverAtGateway) creates cut off by the kill (\(lost.count) of them paying customers), \(forged.count) forged callbacks refused; settled \(settledAt - createdAt) after the last create")
            try await store.close()
        }
    }

    static func number(_ index: Int) -> String { "M-\(index)" }
    static func provider(_ index: Int) -> String { index % 2 == 0 ? "codepay" : "payzapp" }

    /// Creates order `index` through a live instance; when one dies under the request, the shop
    /// retries on another with the same merchant order number (creates are idempotent).
    static func create(_ index: Int, alive: LivePorts, transport: FreshPoolTransport) async throws {
        let currency = provider(index) == "codepay" ? "USD" : "INR"
        let body = #"{"provider":"\#(provider(index))","amount":"10.00","currency":"\#(currency)","subject":"x","merchantOrderNumber":"\#(number(index))"}"#
        for attempt in 0..<20 {
            let ports = alive.ports
            let port = ports[(index + attempt) % ports.count]
            let answer = await transport.send(
                GatewayHTTPRequest(
                    method: .post, url: "http://127.0.0.1:\(port)/v1/orders",
                    headers: [("Authorization", "Bearer system-test"), ("Content-Type", "application/json")], body: Array(body.utf8)),
                timeoutMilliseconds: 10_000)
            if case .success(let response) = answer, response.status == 201 || response.status == 200 { return }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        Issue.record("order \(number(index)) could not be created")
    }

    static func writeConfig(_ credentials: SandboxCredentials, sandboxPort: Int, database: String, in directory: URL) throws -> String {
        let merchantKey = directory.appendingPathComponent("merchant.pem").path
        let gatewayKey = directory.appendingPathComponent("gateway.pem").path
        try credentials.merchantKey.privateKeyPEM.write(toFile: merchantKey, atomically: true, encoding: .utf8)
        try credentials.gatewayKey.publicKeyPEM.write(toFile: gatewayKey, atomically: true, encoding: .utf8)
        let config = """
            {"database": {"url": "\(database)"}, "log": {"level": "error"},
             "reconciler": {"ladderSeconds": [1, 2, 3, 4], "leaseSeconds": 3, "backoffSeconds": [1, 2]},
             "gateways": {"codepay": {"baseURL": "http://127.0.0.1:\(sandboxPort)/codepay", "appID": "app-cp", "merchantNumber": "M100",
                                      "merchantKeyFile": "\(merchantKey)", "gatewayKeyFiles": ["\(gatewayKey)"]},
                          "payzapp": {"baseURL": "http://127.0.0.1:\(sandboxPort)/payzapp", "merchantNumber": "MNO1", "accessKey": "AK1",
                                      "secrets": ["\(credentials.payZAppSecret)"]}}}
            """
        let path = directory.appendingPathComponent("paysync.json").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// The instances still running, as the shop's client sees them.
final class LivePorts: Sendable {
    private let state: Mutex<[Int]>
    init(_ ports: [Int]) { state = Mutex(ports) }
    var ports: [Int] { state.withLock { $0 } }
    func remove(_ port: Int) { state.withLock { $0.removeAll { $0 == port } } }
}

final class Counter: Sendable {
    private let state = Mutex(0)
    var value: Int { state.withLock { $0 } }
    func add() { state.withLock { $0 += 1 } }
}

final class SharedSet: Sendable {
    private let state = Mutex(Set<Int>())
    var all: Set<Int> { state.withLock { $0 } }
    func insert(_ index: Int) { state.withLock { _ = $0.insert(index) } }
    func contains(_ index: Int) -> Bool { state.withLock { $0.contains(index) } }
}

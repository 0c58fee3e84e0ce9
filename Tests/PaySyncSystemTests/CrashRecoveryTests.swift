import Foundation
import Hummingbird
import HummingbirdTesting
import PaySyncCore
import PaySyncGateways
import PaySyncSQLite
import PaySyncSandbox
import PaySyncStore
import PaySyncTransport
import Testing

@Suite("Crash recovery")
struct CrashRecoveryTests {
    @Test("SIGKILL during a burst of callbacks: every acknowledged callback is in the store after restart, none applied twice")
    func killDuringBurst() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("paysync-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let credentials = SandboxCredentials.generate()
        let clock = ManualClock(Timestamp(millisecondsSinceEpoch: 1_795_538_439_000))
        let transport = FreshPoolTransport()
        // The gateway sends at most 100 callbacks at a time: with all 300 at once, one commit can
        // acknowledge the whole burst before the kill lands (seen: 300 of 300 on a slow machine).
        // After the kill each wave waits out its 5 s delivery timeout, so few waves keep it short.
        var configuration = try credentials.sandboxConfiguration()
        configuration.deliveryConcurrency = 100
        let sandbox = try Sandbox(configuration: configuration, clock: clock, transport: transport)
        let orders = 300

        try await Application(router: sandbox.router()).test(.live) { sandboxClient in
            let database = directory.appendingPathComponent("paysync.sqlite").path
            let config = try Self.writeConfig(credentials, sandboxPort: sandboxClient.port!, database: database, in: directory)
            var paysync = try await PaySyncProcess.start(configFile: config, directory: directory, transport: transport)
            let port = paysync.port

            // Orders created through PaySync's API, then paid by their customers at the gateway.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for index in stride(from: worker, to: orders, by: 8) {
                            let body = #"{"provider":"codepay","amount":"10.00","currency":"USD","subject":"x","merchantOrderNumber":"K-\#(index)"}"#
                            let created = await transport.send(
                                GatewayHTTPRequest(
                                    method: .post, url: "http://127.0.0.1:\(port)/v1/orders",
                                    headers: [("Authorization", "Bearer system-test"), ("Content-Type", "application/json")], body: Array(body.utf8)),
                                timeoutMilliseconds: 10_000)
                            guard case .success(let response) = created, response.status == 201 else {
                                Issue.record("create \(index): \(created)")
                                return
                            }
                            try await sandbox.pay("codepay", "K-\(index)")
                        }
                    }
                }
                try await group.waitForAll()
            }

            // The burst, and a SIGKILL in the middle of it: sent by the delivery that brings the
            // gateway's acknowledgements to a tenth of the callbacks.
            let pid = paysync.pid
            sandbox.whenAcknowledged(count: orders / 10) { _ = Foundation.kill(pid, SIGKILL) }
            await sandbox.deliverDueCallbacks()
            paysync.waitUntilExit()
            let firstRound = await sandbox.deliveries()
            let acknowledgedBeforeKill = Set(firstRound.filter { $0.outcome == .acknowledged }.map(\.event))
            #expect(firstRound.count == orders)

            // Restart on the same database; the gateway redelivers what was not acknowledged.
            transport.renew()
            paysync = try await PaySyncProcess.start(configFile: config, port: port, directory: directory, transport: transport)
            for _ in 0..<5 {
                guard let next = await sandbox.nextDeliveryDue() else { break }
                clock.set(next)
                await sandbox.deliverDueCallbacks()
            }
            paysync.terminate()

            let store = try SQLiteStore(path: database)
            var paid = 0
            for index in 0..<orders {
                let order = try #require(try await store.order(account: .default, number: try MerchantOrderNumber("K-\(index)")))
                let applied = try await store.events(orderID: order.id).filter { $0.kind == "paid" && $0.outcome == .applied }
                #expect(applied.count <= 1)
                if order.status == .paid { paid += 1 }
                if acknowledgedBeforeKill.contains("payment/K-\(index)/paid/1") {
                    #expect(order.status == .paid, "K-\(index) was acknowledged before the kill")
                }
            }
            #expect(paid == orders)
            // The kill landed inside the burst: some callbacks were acknowledged, some were not.
            #expect(acknowledgedBeforeKill.count >= orders / 10 && acknowledgedBeforeKill.count < orders)
            print("crash test: \(acknowledgedBeforeKill.count) of \(orders) callbacks acknowledged before SIGKILL")
            try await store.close()
        }
        try await transport.shutdown()
    }

    static func writeConfig(_ credentials: SandboxCredentials, sandboxPort: Int, database: String, in directory: URL) throws -> String {
        let merchantKey = directory.appendingPathComponent("merchant.pem").path
        let gatewayKey = directory.appendingPathComponent("gateway.pem").path
        try credentials.merchantKey.privateKeyPEM.write(toFile: merchantKey, atomically: true, encoding: .utf8)
        try credentials.gatewayKey.publicKeyPEM.write(toFile: gatewayKey, atomically: true, encoding: .utf8)
        let config = """
            {"database": {"url": "\(database)"}, "log": {"level": "warning"},
             "gateways": {"codepay": {"baseURL": "http://127.0.0.1:\(sandboxPort)/codepay", "appID": "app-cp", "merchantNumber": "M100",
                                      "merchantKeyFile": "\(merchantKey)", "gatewayKeyFiles": ["\(gatewayKey)"]}}}
            """
        let path = directory.appendingPathComponent("paysync.json").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PaySyncCore
import PaySyncEngine
import PaySyncGateways
import PaySyncSandbox
import PaySyncTransport

/// Keys shared by the sandbox and the merchant adapters in these tests.
enum TestKeys {
    static let merchant = RSASigningKey.generate()
    static let gateway = RSASigningKey.generate()
    static let payZAppSecret = "sandbox-secret"
    static let credentials = SandboxCredentials(merchantKey: merchant, gatewayKey: gateway, payZAppSecret: payZAppSecret)
}

/// The merchant's callback receiver in these tests: verifies each callback with the adapter and
/// answers the adapter's acknowledgement (or a refusal while `acknowledge` is off).
actor Receiver {
    var adapters: [String: any GatewayAdapter] = [:]
    var events: [(provider: String, event: CallbackEvent)] = []
    var rejections: [(provider: String, rejection: CallbackRejection)] = []
    /// Every callback in the order it arrived: its body and how it was judged.
    var arrivals: [(body: String, verdict: String)] = []
    var acknowledge = true
    let clock: any PaySyncClock

    init(clock: any PaySyncClock) { self.clock = clock }

    func set(adapters: [String: any GatewayAdapter]) { self.adapters = adapters }
    func set(acknowledge: Bool) { self.acknowledge = acknowledge }

    func receive(_ provider: String, _ request: InboundCallback) -> CallbackAck {
        guard let adapter = adapters[provider] else { return CallbackAck(status: 404, contentType: "text/plain", body: "no adapter") }
        let body = String(decoding: request.body, as: UTF8.self)
        do {
            let event = try adapter.callback(request, now: clock.now())
            events.append((provider, event))
            if case .payment(let report) = event.subject {
                arrivals.append((body, "\(report.state.rawValue) \(report.amount.map { "\($0.minorUnits)" } ?? "-")"))
            }
        } catch {
            rejections.append((provider, error))
            arrivals.append((body, "rejected \(error.reason.rawValue)"))
            return adapter.acknowledgement(accepted: false)
        }
        return adapter.acknowledgement(accepted: acknowledge)
    }
}

/// A live sandbox and a live receiver on loopback, with adapters for all four gateways pointed at
/// the sandbox and notify URLs pointed at the receiver.
struct Harness {
    static let t0 = Timestamp(millisecondsSinceEpoch: 1_795_538_439_000)
    let clock: ManualClock
    let sandbox: Sandbox
    let receiver: Receiver
    let client: GatewayClient
    let receiverPort: Int

    func notifyURL(_ provider: String) -> String { "http://127.0.0.1:\(receiverPort)/callbacks/\(provider)" }

    func perform(_ operation: GatewayOperation, _ provider: String) async -> GatewayOutcome {
        await client.perform(operation, provider: try! ProviderID(provider), orderID: nil).outcome
    }

    static func run(
        faults: FaultPlan = .none, stallMilliseconds: UInt64 = 1_500, timeoutMilliseconds: Int64 = 5_000,
        merchantKey: RSASigningKey = TestKeys.merchant, _ body: @escaping @Sendable (Harness) async throws -> Void
    ) async throws {
        let clock = ManualClock(t0)
        let receiver = Receiver(clock: clock)
        var configuration = try TestKeys.credentials.sandboxConfiguration()
        configuration.faults = faults
        configuration.stallMilliseconds = stallMilliseconds
        let sandbox = try Sandbox(configuration: configuration, clock: clock)

        let receiverRouter = Router(context: BasicRequestContext.self)
        receiverRouter.post("callbacks/:provider") { request, context -> Response in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            let body = try await request.body.collect(upTo: 1 << 20)
            let ack = await receiver.receive(try context.parameters.require("provider"), InboundCallback(headers: headers, body: Array(body.readableBytesView)))
            return Response(status: .init(code: ack.status), headers: [.contentType: ack.contentType], body: .init(byteBuffer: ByteBuffer(bytes: ack.body)))
        }
        try await Application(router: receiverRouter).test(.live) { receiverClient in
            try await Application(router: sandbox.router()).test(.live) { sandboxClient in
                let base = "http://127.0.0.1:\(sandboxClient.port!)"
                let credentials = SandboxCredentials(merchantKey: merchantKey, gatewayKey: TestKeys.gateway, payZAppSecret: TestKeys.payZAppSecret)
                let adapters = try credentials.adapters(baseURL: base)
                await receiver.set(adapters: Dictionary(uniqueKeysWithValues: adapters.map { ($0.provider.rawValue, $0) }))
                var directory = GatewayDirectory()
                for adapter in adapters { directory.register(adapter) }
                let client = GatewayClient(directory: directory, clock: clock, timeoutMilliseconds: timeoutMilliseconds)
                try await body(Harness(clock: clock, sandbox: sandbox, receiver: receiver, client: client, receiverPort: receiverClient.port!))
            }
        }
    }
}

import Hummingbird
import HummingbirdTesting
import PaySyncGateways
import PaySyncTransport
import Synchronization
import Testing

@Suite("Gateway transport")
struct TransportTests {
    @Test("a redirect is returned to the adapter as the gateway's answer, never followed")
    func redirectNotFollowed() async throws {
        let elsewhereCalls = Atomic(0)
        let router = Router()
        router.post("/query") { _, _ in
            Response(status: .found, headers: [.location: "/elsewhere"], body: .init(byteBuffer: .init(string: "moved")))
        }
        router.on("/elsewhere", method: .get) { _, _ -> String in
            elsewhereCalls.add(1, ordering: .relaxed)
            return "followed"
        }
        try await Application(router: router).test(.live) { client in
            let request = GatewayHTTPRequest(method: .post, url: "http://127.0.0.1:\(client.port!)/query", headers: [], body: Array("{}".utf8))
            let response = try await AsyncHTTPClientTransport().send(request, timeoutMilliseconds: 5_000).get()
            #expect(response.status == 302)
            #expect(response.headers["location"] == "/elsewhere")
            #expect(response.body == Array("moved".utf8))
            #expect(elsewhereCalls.load(ordering: .relaxed) == 0)
        }
    }
}

@Suite("Public addresses only")
struct PublicAddressesOnlyTests {
    /// Answers 204 to everything and counts what reached it.
    final class Counting: HTTPTransport {
        let sent = Mutex<[String]>([])
        func send(_ request: GatewayHTTPRequest, timeoutMilliseconds: Int64) async -> Result<GatewayHTTPResponse, GatewayFailure> {
            sent.withLock { $0.append(request.url) }
            return .success(GatewayHTTPResponse(status: 204, headers: [:], body: []))
        }
    }

    @Test(
        "a host standing for a loopback or private address, however spelled, is refused before any request",
        arguments: ["http://localhost:8080/hooks", "http://127.1/hooks", "http://2130706433/hooks", "http://0x7f.0.0.1/hooks", "http://[::1]/hooks", "http://10.0.0.5/hooks"])
    func privateRefused(_ url: String) async throws {
        let inner = Counting()
        let answer = await PublicAddressesOnly(inner).send(GatewayHTTPRequest(method: .post, url: url, headers: [], body: []), timeoutMilliseconds: 1_000)
        guard case .failure(let failure) = answer else {
            Issue.record("\(url) was sent")
            return
        }
        #expect(failure.kind == .unreachable)
        #expect(failure.message.hasPrefix("private_address: "))
        #expect(inner.sent.withLock { $0 }.isEmpty)
    }

    @Test("a public address is sent on; a name that does not resolve is unreachable, naming the host")
    func publicSent() async throws {
        let inner = Counting()
        let guarded = PublicAddressesOnly(inner)
        let sent = await guarded.send(GatewayHTTPRequest(method: .post, url: "http://93.184.216.34/hooks", headers: [], body: []), timeoutMilliseconds: 1_000)
        #expect(try sent.get().status == 204)
        let unknown = await guarded.send(GatewayHTTPRequest(method: .post, url: "http://shop.invalid/hooks", headers: [], body: []), timeoutMilliseconds: 1_000)
        guard case .failure(let failure) = unknown else {
            Issue.record("shop.invalid was sent")
            return
        }
        #expect(failure.kind == .unreachable)
        #expect(failure.message.hasPrefix("shop.invalid does not resolve: "))
        #expect(inner.sent.withLock { $0 } == ["http://93.184.216.34/hooks"])
    }
}

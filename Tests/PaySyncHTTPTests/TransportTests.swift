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

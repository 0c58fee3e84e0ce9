import PaySyncGateways
import PaySyncTransport

/// The demo's event transport: real HTTP to the shop, except that an answer marked as stalled
/// (`DemoShop.stalledHeader`) becomes the timeout the deliverer would have met waiting for it. On
/// simulated time a real stall would cost wall seconds per timeout and make the outcome depend on
/// the machine's load; the attempt is recorded exactly as a real timeout is.
struct SimulatedTimeouts: HTTPTransport {
    let transport = AsyncHTTPClientTransport(maximumBodyBytes: 65_536)

    func send(_ request: GatewayHTTPRequest, timeoutMilliseconds: Int64) async -> Result<GatewayHTTPResponse, GatewayFailure> {
        let answer = await transport.send(request, timeoutMilliseconds: timeoutMilliseconds)
        if case .success(let response) = answer, response.headers[DemoShop.stalledHeader] != nil {
            return .failure(GatewayFailure(.timeout, "no answer within \(timeoutMilliseconds) ms (simulated)"))
        }
        return answer
    }
}

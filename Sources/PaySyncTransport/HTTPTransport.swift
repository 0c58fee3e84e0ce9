import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import PaySyncGateways

/// Sends one HTTP request and returns the whole answer, or a `GatewayFailure` saying why there is
/// none (timeout, unreachable). Adapters build the bytes; this only moves them.
public protocol HTTPTransport: Sendable {
    func send(_ request: GatewayHTTPRequest, timeoutMilliseconds: Int64) async -> Result<GatewayHTTPResponse, GatewayFailure>
}

/// The production transport on async-http-client.
public struct AsyncHTTPClientTransport: HTTPTransport {
    let client: HTTPClient
    /// The largest answer body read (bigger ones are a malformed answer).
    let maximumBodyBytes: Int

    public init(client: HTTPClient = .gateways, maximumBodyBytes: Int = 1 << 20) {
        self.client = client
        self.maximumBodyBytes = maximumBodyBytes
    }

    public func send(_ request: GatewayHTTPRequest, timeoutMilliseconds: Int64) async -> Result<GatewayHTTPResponse, GatewayFailure> {
        var outbound = HTTPClientRequest(url: request.url)
        outbound.method = request.method == .get ? .GET : .POST
        for header in request.headers { outbound.headers.add(name: header.name, value: header.value) }
        if !request.body.isEmpty { outbound.body = .bytes(ByteBuffer(bytes: request.body)) }
        do {
            let response = try await client.execute(outbound, timeout: .milliseconds(timeoutMilliseconds))
            let body = try await response.body.collect(upTo: maximumBodyBytes)
            // Lower-cased here, in the answer's order (a repeated name keeps its last value), so
            // `GatewayHTTPResponse` finds nothing to copy.
            var headers: [String: String] = [:]
            for header in response.headers { headers[header.name.lowercased()] = header.value }
            return .success(GatewayHTTPResponse(status: Int(response.status.code), headers: headers, body: Array(body.readableBytesView)))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return .failure(GatewayFailure(.timeout, "no answer within \(timeoutMilliseconds) ms"))
        } catch is NIOTooManyBytesError {
            return .failure(GatewayFailure(.malformedResponse, "answer larger than \(maximumBodyBytes) bytes"))
        } catch {
            return .failure(GatewayFailure(.unreachable, "\(error)"))
        }
    }
}

extension HTTPClient {
    /// PaySync's outbound client, made once per process and never shut down (as `HTTPClient.shared`,
    /// whose settings it starts from). Changed for signed gateway APIs:
    /// - up to 64 kept-alive connections per gateway host instead of 8, so the reconciler's
    ///   parallel queries neither queue behind eight connections nor open and close one each;
    /// - redirects are not followed: a signed call answered elsewhere is an answer to read (the
    ///   adapter sees the 3xx), not a request to repeat at an address the gateway did not sign;
    /// - no compression negotiated (answers are a few hundred bytes of JSON) and no tracing span
    ///   per request (no tracer is set up): CPU for nothing (D36 in docs/decisions.md).
    public static let gateways: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool = .init(idleTimeout: .seconds(600), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}

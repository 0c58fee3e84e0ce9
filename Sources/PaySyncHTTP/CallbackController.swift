import Hummingbird
import NIOCore
import PaySyncEngine

/// `POST /callbacks/{provider}/{account}`: where gateways deliver notifications. No bearer token —
/// the gateway's signature is the authentication, checked by the `Ingestor`.
struct CallbackController<Context: RequestContext & RemoteAddressRequestContext>: Sendable {
    let ingestor: Ingestor

    func addRoutes(to router: Router<Context>) {
        router.post("callbacks/{provider}/{account}", use: receive)
    }

    @Sendable func receive(_ request: Request, context: Context) async throws -> Response {
        var headers: [String: String] = [:]
        headers.reserveCapacity(request.headers.count)
        for field in request.headers where !withheldHeaders.contains(field.name.canonicalName) {
            headers[field.name.canonicalName] = field.value  // `canonicalName` is the lower-cased name
        }
        // Keep one byte more than the limit: enough to know the body was too large, and to record it.
        var collected: [UInt8] = []
        var truncated = false
        // A body that stops before its Content-Length (the client closed its side) is recorded as
        // far as it came and refused, like any other bad callback.
        var ended: String?
        do {
            for try await buffer in request.body {
                let room = ingestor.maxBodyBytes + 1 - collected.count
                if buffer.readableBytes > room {
                    collected += buffer.readableBytesView.prefix(room)
                    truncated = true
                    break
                }
                collected += buffer.readableBytesView
            }
        } catch {
            ended = "\(error)"
        }
        let reply = await ingestor.ingest(
            provider: try context.parameters.require("provider"), account: try context.parameters.require("account"), headers: headers,
            body: collected, bodyTruncated: truncated || collected.count > ingestor.maxBodyBytes, bodyEnded: ended,
            remoteAddress: context.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" })
        return Response(
            status: .init(code: reply.status), headers: [.contentType: reply.contentType], body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }

}

/// Headers never stored with a callback.
private let withheldHeaders: Set<String> = ["authorization", "cookie", "proxy-authorization"]

import Foundation
import PaySyncStore
import Hummingbird
import NIOCore
import PaySyncEngine

/// An error answered to an API client as `{"error":{"code","message","field"?}}` with `status`,
/// optionally with the order it concerns beside it.
struct APIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    let field: String?
    var order: OrderResource?
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, code: String, message: String, field: String? = nil, order: OrderResource? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.order = order
    }

    init(_ error: PaySyncError) {
        let status: HTTPResponse.Status =
            switch error.kind {
            case .invalid: .badRequest
            case .notFound: .notFound
            case .conflict: .conflict
            case .gateway: .badGateway
            case .unavailable: .serviceUnavailable
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .rateLimited: .tooManyRequests
            }
        self.init(status, code: error.code, message: error.message, field: error.field)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var body = Data()
        do {
            body = try JSONEncoder.api.encode(Envelope(error: .init(code: code, message: message, field: field), order: order))
        }
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    private struct Envelope: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
            let field: String?
        }
        let error: Detail
        let order: OrderResource?
    }
}

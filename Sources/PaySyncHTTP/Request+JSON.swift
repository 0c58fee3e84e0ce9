import Foundation
import Hummingbird
import NIOCore
import PaySyncEngine

extension Request {
    /// Decodes a JSON body, refusing each kind of bad input with its own error: a content type
    /// other than `application/json` (415), a body over `limit` bytes (413), text that is not JSON
    /// (400 `malformed_json`), a missing field (400 `missing_field`) or a field of the wrong type
    /// (400 `invalid_field`), naming the field.
    func decodeJSON<Value: Decodable>(_ type: Value.Type, limit: Int) async throws -> Value {
        guard isJSONContentType(headers[.contentType]) else {
            throw APIError(
                .unsupportedMediaType, code: "unsupported_media_type",
                message: "send the body as application/json (got \(headers[.contentType] ?? "no Content-Type"))")
        }
        let tooLarge = APIError(.contentTooLarge, code: "body_too_large", message: "the request body is larger than \(limit) bytes")
        if let length = headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(buffer.readableBytesView))
        } catch let DecodingError.keyNotFound(key, context) {
            throw APIError(.badRequest, code: "missing_field", message: "the field \"\(Self.path(context.codingPath + [key]))\" is required", field: Self.path(context.codingPath + [key]))
        } catch let DecodingError.valueNotFound(_, context) {
            throw APIError(.badRequest, code: "missing_field", message: "the field \"\(Self.path(context.codingPath))\" must not be null", field: Self.path(context.codingPath))
        } catch let DecodingError.typeMismatch(expected, context) {
            throw APIError(.badRequest, code: "invalid_field", message: "the field \"\(Self.path(context.codingPath))\" must be a \(Self.jsonType(expected))", field: Self.path(context.codingPath))
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw APIError(.badRequest, code: "invalid_field", message: "the field \"\(Self.path(context.codingPath))\" is invalid: \(context.debugDescription)", field: Self.path(context.codingPath))
        } catch let error as DecodingError {
            throw APIError(.badRequest, code: "malformed_json", message: "the body is not valid JSON (\(Self.reason(error)))")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    private static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "string"
        case is Int.Type, is Int64.Type: "integer"
        case is Bool.Type: "boolean"
        default: "JSON object"
        }
    }

    private static func reason(_ error: DecodingError) -> String {
        if case .dataCorrupted(let context) = error {
            return (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
        }
        return "\(error)"
    }
}

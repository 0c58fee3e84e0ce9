import Foundation
import Hummingbird

/// A posted console form (`application/x-www-form-urlencoded`), read once into fields; the body
/// stays readable for the next reader (the guard reads the CSRF token, the route the rest).
struct ConsoleForm {
    let fields: [String: String]

    /// A form's largest body: a reason or a note, not a file.
    static let maximumBytes = 16_384

    init(request: inout Request, context: some RequestContext) async throws {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw ConsolePage.Failure(.unsupportedMediaType, "console forms are posted as application/x-www-form-urlencoded")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: Self.maximumBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw ConsolePage.Failure(.contentTooLarge, "a form is at most \(Self.maximumBytes) bytes")
        }
        do {
            fields = try URLEncodedFormDecoder().decode([String: String].self, from: String(buffer: buffer))
        } catch {
            throw ConsolePage.Failure(.badRequest, "the form could not be read: \(error)")
        }
    }

    subscript(name: String) -> String? { fields[name] }

    /// A field that must say something; `what` names it in the refusal ("a reason").
    func required(_ name: String, _ what: String) throws -> String {
        let value = (fields[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw ConsolePage.Failure(.badRequest, "give \(what)") }
        return value
    }
}

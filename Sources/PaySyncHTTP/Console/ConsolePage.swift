import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import PaySyncStore

/// The console's HTML: swift-mustache templates from the module's resources (D56), rendered with
/// HTML escaping, answered with headers that keep pages out of caches and frames.
enum ConsolePage {
    /// A refusal shown as a page: its status and one sentence.
    struct Failure: Error {
        let status: HTTPResponse.Status
        let message: String

        init(_ status: HTTPResponse.Status, _ message: String) {
            self.status = status
            self.message = message
        }
    }

    /// What every page's header shows: who is signed in, what they may do, the session's CSRF token.
    struct Chrome {
        let title: String
        let operatorName: String?
        let role: String?
        /// The operator may act (cancel, refund, verify, resolve, replay); a viewer only reads.
        let canAct: Bool
        let csrf: String?

        init(_ title: String, context: ConsoleRequestContext) {
            self.title = title
            operatorName = context.consoleOperator?.name
            role = context.consoleOperator?.role.rawValue
            canAct = context.consoleOperator?.role == .operator
            csrf = context.csrf
        }
    }

    static func library() throws -> MustacheLibrary { try loaded.get() }

    private static let loaded: Result<MustacheLibrary, any Error> = Result {
        guard let directory = Bundle.module.url(forResource: "console", withExtension: nil) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "the console's templates are missing from PaySyncHTTP's resources"])
        }
        var library = MustacheLibrary()
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            try library.register(text, named: String(file.dropLast(".mustache".count)))
        }
        return library
    }

    /// `template` rendered over `model`, as an HTML answer.
    static func render(_ template: String, _ model: Any, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) throws -> Response {
        guard let html = try library().render(tree(model), withTemplate: template) else {
            throw Failure(.internalServerError, "the console has no template \(template)")
        }
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
            .xFrameOptions: "DENY", HTTPField.Name("Referrer-Policy")!: "same-origin",
        ]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The model as dictionaries and arrays, made once. swift-mustache reflects a struct — a
    /// Mirror of every property — on each `{{name}}` it looks up in it: a 41-line timeline took
    /// 50 ms to render. A dictionary it reads by key. A `nil` property is left out, as the
    /// Mirror lookup treats it: the name is then looked up in the enclosing objects.
    static func tree(_ value: Any) -> Any {
        switch value {
        case is String, is Bool, is Int, is Int64, is Int32, is Double, is [String: String]: return value
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional: return mirror.children.first.map { tree($0.value) } ?? value
        case .collection, .set: return mirror.children.compactMap { unwrapped($0.value).map(tree) }
        case .struct, .class:
            var fields: [String: Any] = [:]
            for child in mirror.children {
                if let label = child.label, let present = unwrapped(child.value) { fields[label] = tree(present) }
            }
            return fields
        default: return value
        }
    }

    /// `value` without its Optional wrapping; `nil` when it is `nil`.
    private static func unwrapped(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first.map { unwrapped($0.value) } ?? nil
    }

    /// A 303 to `location` after a form's action: the browser then loads it with a GET.
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}

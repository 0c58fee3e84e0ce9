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
        guard let html = try library().render(model, withTemplate: template) else {
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

    /// A 303 to `location` after a form's action: the browser then loads it with a GET.
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}

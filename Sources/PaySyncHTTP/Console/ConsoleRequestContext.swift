import Foundation
import Hummingbird
import HummingbirdAuth
import NIOCore
import PaySyncStore

/// What a console session remembers: who signed in, and the token every form of the session
/// carries (CSRF), compared with the session's on each post.
struct ConsoleSession: Codable, Sendable {
    let operatorName: String
    let csrf: String
}

/// The context of `/console/…` routes: the API's, plus the session and the operator it names.
struct ConsoleRequestContext: ChildRequestContext, SessionRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    let sessions: SessionContext<ConsoleSession>
    /// Set by `ConsoleGuard` once the session names a live operator.
    var consoleOperator: ConsoleOperator?
    var csrf: String?

    init(context: PaySyncRequestContext) {
        coreContext = context.coreContext
        remoteAddress = context.remoteAddress
        sessions = SessionContext()
    }

    /// The peer's address, as the sign-in throttle counts it.
    var address: String { remoteAddress?.ipAddress ?? "unknown" }

    /// The signed-in operator; only `ConsoleGuard`'s routes ask.
    func signedIn() throws -> ConsoleOperator {
        guard let consoleOperator else { throw ConsolePage.Failure(.unauthorized, "sign in first") }
        return consoleOperator
    }
}

/// 32 random bytes as URL-safe base64: session CSRF and sign-in form tokens.
func randomToken() -> String {
    var generator = SystemRandomNumberGenerator()
    let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
    return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

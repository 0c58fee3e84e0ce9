import Hummingbird
import Logging
import NIOCore

/// The request context of PaySync's routes: Hummingbird's core storage plus the peer address,
/// which the callback inbox records.
public struct PaySyncRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's basics plus the client's address, which
/// the browser beacon endpoint rate-limits by.
struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

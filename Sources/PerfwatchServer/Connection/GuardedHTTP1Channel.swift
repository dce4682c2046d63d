import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1 channel with the server's own handlers right after NIO's request
/// decoder (Hummingbird's extension point sits after the HTTPTypes conversion, too late to
/// see trickled bytes or to answer a CONNECT): `ConnectionGuard` on every admitted
/// connection, then `BeaconFastPath` when enabled. Connections over the cap get
/// `ConnectionRefusal` instead.
struct GuardedHTTP1Channel: ServerChildChannel {
    let http1: HTTP1Channel
    let limits: ConnectionDeadlines.Limits
    let limiter: ConnectionLimiter
    let makeFastPath: (@Sendable () -> BeaconFastPath)?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        let admission = limiter.admit()
        let limiter = self.limiter
        channel.closeFuture.whenComplete { _ in limiter.release() }
        return http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            guard admission == .serve else {
                try pipeline.addHandler(ConnectionRefusal(silent: admission == .drop), position: .first)
                return value
            }
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            let connectionGuard = ConnectionGuard(limits: limits, logger: logger)
            try pipeline.addHandler(connectionGuard, position: .after(decoder))
            if let makeFastPath { try pipeline.addHandler(makeFastPath(), position: .after(connectionGuard)) }
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

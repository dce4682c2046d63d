public import AsyncHTTPClient
import HummingbirdCore
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PerfwatchModel
public import ServiceLifecycle

/// Builds the edge's services: the downstream HTTP/1.1 server in front of `EdgeProxy`, and the
/// one upstream `HTTPClient` with the edge's pool settings.
public enum EdgeServer {
    /// The upstream client: keep-alive pools per instance capped at `connectionsPerUpstream`,
    /// the connect timeout, `idle` between reads; a failed connect fails the request at once
    /// (the proxy retries on another instance) instead of being retried inside the client.
    public static func makeClient(_ configuration: EdgeConfiguration, connectionsPerUpstream: Int = 256) -> HTTPClient {
        var clientConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .milliseconds(configuration.timeouts.connect.wholeMilliseconds),
                read: .milliseconds(configuration.timeouts.idle.wholeMilliseconds)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionsPerUpstream),
            decompression: .disabled)
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: clientConfiguration)
    }

    /// The downstream server as a ServiceLifecycle service: pass-through requests are relayed on
    /// the event loop (`PassThroughHandler`), the others answered by `EdgeProxy.respond`. On
    /// graceful shutdown it stops accepting and lets in-flight requests finish (ServiceGroup's
    /// deadline cuts them off). `onRunning` gets the bound port (tests listen on port 0).
    public static func makeService(
        proxy: EdgeProxy, host: String, port: Int, logger: Logger, onRunning: (@Sendable (Int) async -> Void)? = nil
    ) throws -> any Service {
        let group = MultiThreadedEventLoopGroup.singleton
        let connections = UpstreamConnections(
            group: group, upstreams: proxy.configuration.upstreams, connectTimeout: proxy.configuration.timeouts.connect)
        // NIO's own header cap sits far above the edge's 431 limit, so the edge answers even a huge head
        // with 431 (past NIO's cap Hummingbird answers 400); the head is held in memory only that far.
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = max(1 << 20, proxy.configuration.limits.headerBytes * 4)
        limits.maxHeaderFieldSize = limits.maxHeaderListSize
        let decoderLimits = limits
        let builder = HTTPServerBuilder { responder in
            EdgeHTTP1Channel(responder: responder, proxy: proxy, connections: connections, decoderLimits: decoderLimits, idleTimeout: .seconds(75))
        }
        return try builder.buildServer(
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            eventLoopGroup: group, logger: logger,
            responder: { request, writer, channel in try await proxy.respond(request, writer: writer, channel: channel) },
            onServerRunning: { channel in await onRunning?(channel.localAddress?.port ?? port) })
    }
}

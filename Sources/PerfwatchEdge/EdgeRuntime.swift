import AsyncHTTPClient
public import Logging
import ServiceLifecycle
import UnixSignals

/// Everything `perfwatch edge` runs, wired once: the upstream pool, the proxy and its server,
/// health checks, telemetry export and reports, under one ServiceGroup that drains on
/// SIGTERM/SIGINT (stop accepting, finish in-flight requests up to `drainTimeout`).
public enum EdgeRuntime {
    public static func run(_ configuration: EdgeConfiguration, logger: Logger, drainTimeout: Duration = .seconds(10)) async throws {
        let client = EdgeServer.makeClient(configuration)
        let pool = UpstreamPool(urls: configuration.upstreams, algorithm: configuration.balancing)
        let policy = PolicyState(
            local: configuration.localPolicy, upstreams: configuration.upstreams, balancing: configuration.balancing, pool: pool)
        var services: [any Service] = []
        var exporter: SpanExporter?
        if let server = configuration.server {
            let made = SpanExporter(
                server: server, apiKey: configuration.apiKey, service: configuration.service, instance: configuration.instanceName,
                logger: logger)
            exporter = made
            services.append(made)
            services.append(
                EdgeReporter(
                    server: server, apiKey: configuration.apiKey, name: configuration.instanceName, service: configuration.service,
                    pool: pool, exporter: made, policy: policy, logger: logger))
            services.append(
                PolicySync(server: server, apiKey: configuration.apiKey, name: configuration.instanceName, policy: policy, logger: logger))
        }
        let proxy = EdgeProxy(configuration: configuration, pool: pool, policy: policy, client: client, sink: exporter, logger: logger)
        services.insert(
            try EdgeServer.makeService(
                proxy: proxy, host: configuration.listenHost, port: configuration.listenPort, logger: logger,
                onRunning: { port in
                    logger.notice(
                        "perfwatch edge listening",
                        metadata: [
                            "address": "\(configuration.listenHost):\(port)",
                            "upstreams": "\(configuration.upstreams.joined(separator: " "))",
                        ])
                }), at: 0)
        if let health = configuration.health {
            services.append(HealthChecker(pool: pool, health: health, client: client, logger: logger))
        }
        if let admin = configuration.adminListen {
            let api = EdgeAdminAPI(pool: pool, policy: policy, exporter: exporter)
            services.append(try api.makeService(host: admin.host, port: admin.port, logger: logger))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [],
            logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = drainTimeout
        let group = ServiceGroup(configuration: groupConfiguration)
        defer { logger.notice("perfwatch edge stopped") }
        do {
            try await group.run()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try? await client.shutdown()
    }
}

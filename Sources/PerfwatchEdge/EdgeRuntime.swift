import AsyncHTTPClient
import PerfwatchModel
public import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Everything `perfwatch edge` runs, wired once: the upstream pool, the cache and compression, the
/// proxy and its server, health checks, telemetry export, reports and policy sync, under one
/// ServiceGroup that drains on SIGTERM/SIGINT (stop accepting, finish in-flight requests up to
/// `drainTimeout`).
public enum EdgeRuntime {
    public static func run(_ configuration: EdgeConfiguration, logger: Logger, drainTimeout: Duration = .seconds(10)) async throws {
        let client = EdgeServer.makeClient(configuration)
        let pool = UpstreamPool(urls: configuration.upstreams, algorithm: configuration.balancing)
        let policy = PolicyState(
            local: configuration.localPolicy, upstreams: configuration.upstreams, balancing: configuration.balancing, pool: pool)
        let exporter = configuration.server.map {
            SpanExporter(
                server: $0, apiKey: configuration.apiKey, service: configuration.service, instance: configuration.instanceName,
                logger: logger)
        }
        let cache = ResponseCache(
            maxBytes: configuration.limits.cacheMaxBytes, maxEntryBytes: configuration.limits.bufferMaxBytes, clock: TimeParsing.nowMs)
        let images = ImageTransform(jobs: configuration.limits.imageJobs, queue: configuration.limits.imageQueue)
        let steps = BufferedSteps.live(cache: cache, images: images)
        let proxy = EdgeProxy(
            configuration: configuration, pool: pool, policy: policy, client: client, sink: exporter, steps: steps, logger: logger)

        var services: [any Service] = [
            try EdgeServer.makeService(
                proxy: proxy, host: configuration.listenHost, port: configuration.listenPort, logger: logger,
                onRunning: { port in
                    logger.notice(
                        "perfwatch edge listening",
                        metadata: [
                            "address": "\(configuration.listenHost):\(port)",
                            "upstreams": "\(configuration.upstreams.joined(separator: " "))",
                        ])
                })
        ]
        if let server = configuration.server, let exporter {
            services.append(exporter)
            services.append(
                EdgeReporter(
                    server: server, apiKey: configuration.apiKey, name: configuration.instanceName, service: configuration.service,
                    pool: pool, exporter: exporter, policy: policy, cache: cache, images: images, bytesSaved: { proxy.bytesSaved.load(ordering: .relaxed) },
                    logger: logger))
            services.append(
                PolicySync(server: server, apiKey: configuration.apiKey, name: configuration.instanceName, policy: policy, logger: logger))
        }
        if let health = configuration.health {
            services.append(HealthChecker(pool: pool, health: health, client: client, logger: logger))
        }
        if let admin = configuration.adminListen {
            let api = EdgeAdminAPI(pool: pool, policy: policy, exporter: exporter, cache: cache, images: images)
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
            await images.shutdown()
            throw error
        }
        try? await client.shutdown()
        await images.shutdown()
    }
}

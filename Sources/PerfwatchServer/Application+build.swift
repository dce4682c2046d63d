import Foundation
public import Hummingbird
import HummingbirdCore
public import Logging
import PerfwatchAnalysis
import PerfwatchForwarding
import PerfwatchIngest
import PerfwatchModel
import PerfwatchPromQL
import PerfwatchQuery
import PerfwatchStorage
import ServiceLifecycle

/// Builds the whole server — store, pipeline, routes and background services — from a
/// configuration. `main` and the tests call this same function.
public func buildApplication(configuration: ServerConfiguration, logger: Logger) async throws -> some ApplicationProtocol {
    try await buildApplicationAndRoutes(configuration: configuration, logger: logger).application
}

/// `buildApplication`, also returning every registered route as "METHOD /path/{param}", for the
/// test that calls each one with each kind of key.
package func buildApplicationAndRoutes(configuration: ServerConfiguration, logger: Logger) async throws -> (
    application: some ApplicationProtocol, routes: [String]
) {
    try configuration.validate()
    let store = try EmbeddedStore(
        configuration: EmbeddedStoreConfiguration(
            directory: configuration.dataDirectory, retention: configuration.retention, fsyncEachCommit: configuration.fsync))
    let statistics = IngestStatistics()
    let broadcaster = CommitBroadcaster()
    // Issue 19: forwarding out hears of every commit (docs/forwarding.md).
    let forwarding = try ForwardingSetup.makeHub(configuration: configuration, logger: logger)
    let pipeline = IngestPipeline(
        store: store, spanStore: store, configuration: .init(maxQueuedPoints: configuration.maxQueuedPoints), statistics: statistics,
        broadcaster: broadcaster, logger: logger, observer: forwarding.map { hub in { @Sendable payload, refused in hub.observe(payload, refused: refused) } })
    let analysisEngine = QueryEngine(store: store, configuration: .init(maxSeries: 100_000))
    let statements: @Sendable ([String]) async throws -> [String: String] = { try await store.statements(fingerprints: $0) }
    let regressions = ReleaseRegressionAnalyzer(
        engine: analysisEngine, deployments: store,
        detector: DeploymentDetector(engine: analysisEngine, deployments: store), statements: statements)
    let edge = EdgePolicyService(store: store, optimizations: store)
    let proposals = EdgeProposals(
        issues: store, optimizations: store, edge: edge, autoApply: Set(configuration.analysis.autoApply), logger: logger)
    var validation = OptimizationValidator.Configuration()
    validation.minAfterMs = configuration.analysis.validationMinAfterMs
    validation.minRequests = UInt64(max(1, configuration.analysis.validationMinRequests))
    let databases = try DatabaseAdvisorComponents.make(
        configuration: configuration, engine: analysisEngine, spans: store, optimizations: store, logger: logger)
    var passes = AnalysisService.Configuration()
    passes.interval = .milliseconds(configuration.analysis.intervalMs)
    passes.windowMs = configuration.analysis.windowMs
    let analysis = AnalysisService(
        analyzers: [
            NPlusOneAnalyzer(engine: analysisEngine, statements: statements),
            SlowQueryAnalyzer(engine: analysisEngine, statements: statements),
            regressions,
            OptimizationValidator(
                engine: analysisEngine, optimizations: store, issues: store, configuration: validation,
                rollback: OptimizationRollbacks(edge: edge, indexes: databases.indexes)),
            TrendAnalyzer(reader: TrendReader(engine: analysisEngine)), AnomalyAnalyzer(engine: analysisEngine),
            BottleneckAnalyzer(engine: analysisEngine, spans: store),
            EdgeCacheAnalyzer(engine: analysisEngine), EdgeCompressionAnalyzer(engine: analysisEngine),
            EdgeBalancingAnalyzer(engine: analysisEngine), EdgeImageAnalyzer(engine: analysisEngine),
            DatabaseAdvisorAnalyzer(service: databases.service),
        ],
        store: store, configuration: passes, logger: logger,
        afterPass: { nowMs in
            _ = await proposals.afterPass(nowMs: nowMs)
            await databases.indexes.rollBackUnhelpful(nowMs: nowMs)
        })
    let alerting = try await AlertingComponents.make(
        configuration: configuration, engine: QueryEngine(store: store, configuration: .init(maxSeries: 100_000)),
        statements: statements, history: store,
        promql: PromQLEngine(source: StorePromSeriesSource(store: store), options: configuration.promql.engineOptions()),
        recorder: StoreRecordingSink(store: store),
        logger: logger)
    let catalog = alerting.catalog
    let synthetic = SyntheticService(
        fileChecks: configuration.syntheticChecks, store: store, runners: [.http: { await SyntheticProbe.run($0) }, .browser: { await BrowserProbe.run($0) }],
        record: { points in _ = try await pipeline.submit(points) },
        rulesChanged: { checks in
            await catalog.setSyntheticGroups(SyntheticAlertRules.groups(for: checks))
            await alerting.applyRules()
        }, logger: logger)
    let reports = ReportService(
        fileSchedules: configuration.reportSchedules, store: store,
        builder: ReportBuilder(
            engine: QueryEngine(store: store, configuration: .init(maxSeries: 100_000)), lab: store, issues: store, optimizations: store,
            alertHistory: store, checks: { await synthetic.checks().map(\.name) }),
        alerting: configuration.alerting, logger: logger)
    var limits = ValidationLimits()
    limits.maxAgeMs = configuration.retention.rawMs
    let scrapes = ScrapeManager(
        configs: configuration.scrapeConfigs,
        scraper: TargetScraper(parser: PrometheusTextParser(limits: limits), maxBodyBytes: configuration.maxBodyBytes),
        record: { points in _ = try await pipeline.submit(points) }, logger: logger)
    let components = ServerComponents(
        configuration: configuration, store: store, spanStore: store, rumStore: store, loadRuns: store, issues: store, analysis: analysis, alerting: alerting,
        rumKeys: try RUMKeys.load(configuration: configuration),
        rumLimiter: ClientRateLimiter(ratePerSecond: configuration.rum.ratePerSecond, burst: configuration.rum.burst), pipeline: pipeline,
        admission: IngestAdmission(
            pipeline: pipeline, maxBodyBytesInFlight: max(configuration.maxIngestBytesInFlight, configuration.maxBodyBytes),
            maxPreparing: configuration.maxIngestParsing
                ?? IngestAdmission.defaultMaxPreparing(cores: ProcessInfo.processInfo.activeProcessorCount), statistics: statistics),
        queryEngine: QueryEngine(store: store, configuration: .init(maxSeries: configuration.maxSeriesPerQuery)),
        tableEngine: QueryEngine(store: store, configuration: .init(maxSeries: 100_000)),
        statistics: statistics, broadcaster: broadcaster, jsonParser: JSONMetricsParser(limits: limits),
        prometheusParser: PrometheusTextParser(limits: limits), otlpMetrics: OTLPMetricsMapper(limits: limits),
        deployments: store, dashboards: store, optimizations: store, regressions: regressions, edge: edge,
        databaseAdvisor: databases.service, indexOptimizations: databases.indexes,
        lab: store, synthetic: synthetic, reports: reports, scrapes: scrapes,
        forwarding: forwarding)

    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    let auth = try Authenticator(configuration: configuration)
    router.add(middleware: AuthMiddleware(auth: auth))
    SessionRoutes(auth: auth).register(on: router)
    IngestRoutes(components: components).register(on: router)
    PrometheusIntakeRoutes(components: components).register(on: router)
    let prometheus = PrometheusAPIRoutes(components: components)
    QueryRoutes(components: components, prometheus: prometheus).register(on: router)
    prometheus.register(on: router)
    OpsRoutes(components: components).register(on: router)
    EventRoutes(components: components).register(on: router)
    OTLPRoutes(components: components).register(on: router)
    TraceRoutes(components: components).register(on: router)
    RUMRoutes(components: components).register(on: router)
    LoadRunRoutes(components: components).register(on: router)
    IssueRoutes(components: components).register(on: router)
    DeploymentRoutes(components: components).register(on: router)
    SavedDashboardRoutes(components: components).register(on: router)
    OptimizationRoutes(components: components).register(on: router)
    EdgeRoutes(components: components).register(on: router)
    AlertRoutes(components: components).register(on: router)
    TrendRoutes(components: components).register(on: router)
    BottleneckRoutes(components: components).register(on: router)
    DatabaseRoutes(components: components).register(on: router)
    AuditRoutes(components: components).register(on: router)
    SyntheticRoutes(components: components).register(on: router)
    ReportRoutes(components: components).register(on: router)
    DashboardRoutes().register(on: router)
    let routes = router.routes.map { RouteScopes.routeKey($0.method, $0.path.description) }
    try RouteScopes.checkCovered(routes)

    // Shut down in reverse: the HTTP server first, then these from last to first, so the
    // pipeline (first) commits everything that was accepted before it stops.
    var services: [any Service] = [StoreCompaction(store: store, logger: logger)]
    // Before the pipeline, so it shuts down after it and spools what the pipeline committed last.
    if let forwarding { services.append(forwarding) }
    services.append(pipeline)
    // The pools before the passes: shutdown runs in reverse, so passes stop before their connections close.
    services += databases.services
    services.append(analysis)
    // After the pipeline (it records its runs there) and before alerting (which shuts down first).
    services.append(synthetic)
    services.append(reports)
    services.append(scrapes)  // after the pipeline: shutdown stops scraping before the last commit
    // The dispatcher before the evaluator: shutdown runs in reverse, so evaluation stops
    // first and the dispatcher still sends what it produced.
    // State persistence before both: it shuts down after them and saves their final state.
    services += [alerting.persistence, alerting.dispatcher, alerting.evaluator, RulesReloadOnHangup(alerting: alerting), AlertStreamShutdown(inApp: alerting.inApp)]
    services.append(RetentionService(store: store, interval: .seconds(configuration.retentionIntervalSeconds), logger: logger))
    services.append(
        WALCheckpointService(
            checkpoint: { _ = try await store.checkpointWAL() }, interval: .seconds(configuration.walCheckpointIntervalSeconds), logger: logger))
    if configuration.hostMetricsIntervalSeconds > 0 {
        services.append(
            HostMetricsService(components: components, interval: .seconds(configuration.hostMetricsIntervalSeconds), logger: logger))
    }
    services.append(BroadcasterShutdown(broadcaster: broadcaster))

    let url = "http://\(configuration.host):\(configuration.port)"
    let authNote = auth.isOn
        ? "auth on (API keys and scopes, see docs/api-auth.md)"
        : "auth OFF: open to anyone who can reach \(configuration.host) (loopback only)"
    let intake = components.beaconIntake
    let openFiles = OpenFileLimit.raiseToHard()
    let limiter = ConnectionLimiter(maximum: configuration.http.maxConnections ?? ConnectionLimiter.defaultMaximum(openFileLimit: openFiles))
    let deadlines = ConnectionDeadlines.Limits(
        headerMs: configuration.http.headerTimeoutMs, bodyMs: configuration.http.bodyTimeoutMs, idleMs: configuration.http.idleTimeoutMs)
    var makeFastPath: (@Sendable () -> BeaconFastPath)?
    if configuration.rum.fastPath {
        makeFastPath = { @Sendable in BeaconFastPath(intake: intake, pipeline: pipeline) }
    }
    let fastPath = makeFastPath
    let application = Application(
        router: router,
        server: HTTPServerBuilder { responder in
            GuardedHTTP1Channel(http1: HTTP1Channel(responder: responder), limits: deadlines, limiter: limiter, makeFastPath: fastPath)
        },
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "perfwatch"),
        services: services,
        onServerRunning: { channel in
            ListeningSocketInheritance.markSocketsCloseOnExec()
            let port = channel.localAddress?.port ?? configuration.port
            logger.notice(
                "perfwatch listening on http://\(configuration.host):\(port) — data in \(configuration.dataDirectory) — \(authNote)",
                metadata: ["url": "\(url)"])
            // What a newcomer does next (issue 15: the start-up line says it), with the address it really listens on.
            let base = "http://\(configuration.host):\(port)"
            logger.notice(
                "next: open \(base)/ (the dashboard) · sample data: perfwatch demo --server \(base) · OpenTelemetry SDKs: OTEL_EXPORTER_OTLP_ENDPOINT=\(base) · browsers: the RUM snippet on the Web Vitals page")
        },
        logger: logger)
    return (application, routes)
}

/// Compacts the store once everything else has stopped (it is first in the list, so it shuts
/// down last, after the pipeline's final commit).
struct StoreCompaction: Service {
    let store: EmbeddedStore
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do {
            try await store.compact()
        } catch {
            logger.warning("could not compact the store at shutdown", metadata: ["error": "\(error)"])
        }
    }
}

/// Ends open event streams when shutdown starts, so long-lived SSE responses don't hold the
/// HTTP server's graceful shutdown open.
struct BroadcasterShutdown: Service {
    let broadcaster: CommitBroadcaster

    func run() async throws {
        try? await gracefulShutdown()
        broadcaster.finishAll()
    }
}

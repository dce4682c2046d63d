import Logging
import PerfwatchAnalysis
import PerfwatchForwarding
import PerfwatchIngest
import PerfwatchModel
import PerfwatchQuery
import PerfwatchStorage

/// The long-lived parts every route shares, built once by `buildApplication`.
struct ServerComponents: Sendable {
    let configuration: ServerConfiguration
    let store: any MetricStore
    let spanStore: any SpanStore
    let rumStore: any RUMStore
    let loadRuns: any LoadRunStore
    let issues: any IssueStore
    let analysis: AnalysisService
    let alerting: AlertingComponents
    let rumKeys: RUMKeys
    let rumLimiter: ClientRateLimiter
    let pipeline: IngestPipeline
    /// Lets ingest bodies in only while the pipeline keeps up (see `Request.admittedBody`).
    let admission: IngestAdmission
    let queryEngine: QueryEngine
    /// For the server's own tables (routes, queries), which group by many series on purpose.
    let tableEngine: QueryEngine
    let statistics: IngestStatistics
    let broadcaster: CommitBroadcaster
    let jsonParser: JSONMetricsParser
    let prometheusParser: PrometheusTextParser
    let otlpMetrics: OTLPMetricsMapper
    let deployments: any DeploymentStore
    /// Saved dashboards (issue 15).
    let dashboards: any DashboardStore
    let optimizations: any OptimizationStore
    /// Also answers `GET /api/v1/deployments/{id}/impact`.
    let regressions: ReleaseRegressionAnalyzer
    /// The edge policy, long polls, edge reports and edge optimizations.
    let edge: EdgePolicyService
    /// The database advisor (issue 21): its passes and reports, and index suggestions as optimizations.
    let databaseAdvisor: DatabaseAdvisorService
    let indexOptimizations: DatabaseIndexOptimizations
    /// Lab audits and the stored synthetic check and report definitions (issue 20).
    let lab: any LabStore
    let synthetic: SyntheticService
    let reports: ReportService
    /// The `scrape_configs:` targets and their latest scrapes (issue 19).
    let scrapes: ScrapeManager
    /// Forwarding out (issue 19); nil without `forwarding:` destinations.
    var forwarding: ForwardingHub? = nil

    var beaconIntake: BeaconIntake { BeaconIntake(keys: rumKeys, limiter: rumLimiter, statistics: statistics) }
}

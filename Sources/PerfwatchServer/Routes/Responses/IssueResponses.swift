import PerfwatchAnalysis
import PerfwatchIngest
import PerfwatchModel

/// One performance issue as the API writes it; `evidence` is the analyzer's JSON object.
struct IssueBody: Encodable {
    let id: Int64
    let type: String
    let title: String
    let description: String
    let recommendation: String
    let severity: String
    let status: String
    let service: String
    let route: String
    /// Milliseconds, 1 decimal.
    let impactMs: Double
    let evidence: EmbeddedJSON
    let firstSeen: Int64
    let lastSeen: Int64
    let resolvedAt: Int64?

    init(_ issue: PerformanceIssue) {
        id = issue.id
        type = issue.type
        title = issue.title
        description = issue.description
        recommendation = issue.recommendation
        severity = issue.severity
        status = issue.status.rawValue
        service = issue.service
        route = issue.route
        impactMs = (issue.impactMs * 10).rounded() / 10
        evidence = EmbeddedJSON(text: issue.evidence, fallback: .object([]))
        firstSeen = issue.firstSeenMs
        lastSeen = issue.lastSeenMs
        resolvedAt = issue.resolvedMs
    }
}

/// `GET /api/v1/issues`.
struct IssueList: Encodable {
    let issues: [IssueBody]
}

/// `POST /api/v1/analysis/run`: how long the pass took, the issues it found, what failed.
/// Seconds to 3 decimals.
struct AnalysisPassResponse: Encodable {
    let seconds: Double
    /// How many issues the pass reported.
    let issues: Int
    let failures: [String]
    let analyzers: [Analyzer]

    struct Analyzer: Encodable {
        let name: String
        let seconds: Double
    }

    init(_ report: AnalysisService.PassReport) {
        seconds = (report.seconds * 1000).rounded() / 1000
        issues = report.issues.count
        failures = report.failures
        analyzers = report.analyzerSeconds.map { Analyzer(name: $0.name, seconds: ($0.seconds * 1000).rounded() / 1000) }
    }
}

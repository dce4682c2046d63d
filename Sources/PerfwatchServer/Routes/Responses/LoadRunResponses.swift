import PerfwatchStatistics
import PerfwatchStorage

/// `POST /api/v1/load-runs` (201): where the stored run can be read.
struct LoadRunCreated: Encodable {
    let id: Int64
    let url: String
}

/// `GET /api/v1/load-runs`: the stored runs, newest first.
struct LoadRunList: Encodable {
    let runs: [LoadRunSummary]
}

/// `GET /api/v1/load-runs/:id`: the report as it was pushed.
struct LoadRunResponse: Encodable {
    let id: Int64
    let report: EmbeddedJSON
}

/// `GET /api/v1/load-runs/compare?a=&b=`: run `a` (baseline) against run `b` (candidate).
struct LoadRunComparisonResponse: Encodable {
    let a: Int64
    let b: Int64
    let requests: [LoadRunComparison.Entry]
}

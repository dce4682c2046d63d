import PerfwatchAnalysis

/// `GET /api/v1/db/databases`: each configured database, its advisor status (`pending` before the
/// first pass, then `ok`, `degraded` or `unreachable`), the last and next pass and the last error.
struct DatabaseList: Encodable {
    struct Entry: Encodable {
        let name: String
        /// The monitoring URL with its password hidden.
        let url: String
        let status: String
        let lastPassAt: Int64?
        let nextPassAt: Int64?
        let error: String?
        /// Whether an `apply_url` is configured (index suggestions can be applied).
        let canApply: Bool
        let allowAnalyze: Bool
        let intervalMs: Int64
    }

    let databases: [Entry]
}

/// `GET /api/v1/db/advisor?database=NAME`: the database's status and its last advisor report
/// (null before the first pass; `?refresh=1` runs one first).
struct DatabaseAdvisorResponse: Encodable {
    let database: String
    let status: String
    let lastPassAt: Int64?
    let nextPassAt: Int64?
    let error: String?
    let canApply: Bool
    let report: DatabaseAdvisorReport?
}

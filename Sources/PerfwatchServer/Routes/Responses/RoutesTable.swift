/// `GET /api/v1/routes`: per service and route, requests, rate, latency percentiles (ms, two
/// decimals, null without data) and the error rate (a fraction, four decimals).
struct RoutesTable: Encodable {
    struct Row: Encodable {
        let service: String
        let route: String
        let requests: Double
        let rps: Double
        let p50: Double?
        let p95: Double?
        let p99: Double?
        let errorRate: Double
    }

    let from: Int64
    let to: Int64
    let routes: [Row]
}

/// `GET /api/v1/db/queries`: per query fingerprint, calls, total time, p95 and calls per trace.
struct SlowQueryTable: Encodable {
    struct Row: Encodable {
        let fingerprint: String
        let service: String
        let dbSystem: String
        let operation: String
        /// The normalized statement (literals replaced by `?`).
        let statement: String
        let calls: Double
        let totalMs: Double
        let p95: Double?
        let traces: Double
        /// Null when no trace that ran the query was counted.
        let callsPerTrace: Double?
    }

    let from: Int64
    let to: Int64
    let queries: [Row]
}

import PerfwatchStorage

/// `GET /api/v1/traces`: one line per trace, its entry span's figures.
struct TraceList: Encodable {
    struct Entry: Encodable {
        let traceId: String
        let service: String
        let name: String
        /// The entry span's route pattern, or its name when it has none.
        let route: String
        let startTime: Double
        let durationMs: Double
        let spanCount: Int
        let error: Bool

        init(_ summary: TraceSummary) {
            traceId = summary.traceID
            service = summary.service
            name = summary.name
            route = summary.route.isEmpty ? summary.name : summary.route
            startTime = summary.startMs
            durationMs = summary.durationMs
            spanCount = summary.spanCount
            error = summary.isError
        }
    }

    let traces: [Entry]
}

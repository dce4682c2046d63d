import Foundation
import Hummingbird
import PerfwatchModel
import PerfwatchQuery
import PerfwatchStorage

/// Trace search, trace by id (for the waterfall), the routes table and the slow-query table.
struct TraceRoutes {
    let components: ServerComponents

    func register(on router: Router<AppRequestContext>) {
        router.get("/api/v1/traces") { request, _ in try await self.list(request) }
        router.rejectOtherMethods("/api/v1/traces", allowed: [.get])
        router.get("/api/v1/traces/:traceID") { _, context in try await self.trace(context.parameters.get("traceID") ?? "") }
        router.get("/api/v1/routes") { request, _ in try await self.routes(request) }
        router.get("/api/v1/db/queries") { request, _ in try await self.queries(request) }
    }

    func list(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        let (from, to) = try request.timeRange(nowMs: TimeParsing.nowMs())
        var query = TraceQuery(from: from, to: to)
        query.service = parameters["service"].map(String.init)
        query.route = parameters["route"].map(String.init)
        if let status = parameters["status"] {
            guard status == "error" else { throw PerfwatchError(.badRequest, "parameter 'status': only 'error' is supported") }
            query.errorsOnly = true
        }
        if let text = parameters["min_duration"] {
            // Bounded so its nanoseconds fit the store's Int64 (a year is plenty for a span).
            guard let value = Double(String(text)), value >= 0, value <= TraceQuery.maxMinDurationMs else {
                throw PerfwatchError(
                    .badRequest,
                    "parameter 'min_duration': '\(text)' is not a number of milliseconds between 0 and \(Int64(TraceQuery.maxMinDurationMs))")
            }
            query.minDurationMs = value
        }
        if let text = parameters["limit"] {
            guard let value = Int(String(text)), (1...1000).contains(value) else {
                throw PerfwatchError(.badRequest, "parameter 'limit': '\(text)' is not between 1 and 1000")
            }
            query.limit = value
        }
        if let text = parameters["order"] {
            guard let order = TraceQuery.Order(rawValue: String(text)) else {
                throw PerfwatchError(.badRequest, "parameter 'order': '\(text)' is not duration or time")
            }
            query.order = order
        }
        let summaries = try await components.spanStore.traceSummaries(query)
        return try .json(TraceList(traces: summaries.map(TraceList.Entry.init)), capacity: 256 + summaries.count * 200)
    }

    func trace(_ id: String) async throws -> Response {
        let normalized = id.lowercased()
        guard normalized.count == 32, normalized.allSatisfy(\.isHexDigit) else {
            throw PerfwatchError(.badRequest, "trace id '\(id.prefix(64))' is not 32 hex digits")
        }
        let spans = try await components.spanStore.trace(id: normalized)
        guard !spans.isEmpty else { throw PerfwatchError(.notFound, "no trace with id \(normalized)") }
        let selfTimes = TraceSelfTime.milliseconds(of: spans)
        let entries = zip(spans, selfTimes).map { TraceResponse.SpanEntry($0, selfTimeMs: $1) }
        return try .json(TraceResponse(traceId: normalized, spans: entries), capacity: 256 + spans.count * 600)
    }

    /// Per service and route: requests per second, p50/p95/p99 and error percentage.
    func routes(_ request: Request) async throws -> Response {
        let now = TimeParsing.nowMs()
        let (from, to) = try request.timeRange(nowMs: now)
        let durations = try await components.tableEngine.table(
            "http.server.duration", [.count, .percentile(0.5), .percentile(0.95), .percentile(0.99)], by: ["service", "route"],
            from: from, to: to, nowMs: now)
        let (counts, p50, p95, p99) = (durations[0], durations[1], durations[2], durations[3])
        let errors = try await components.tableEngine.table("http.server.errors", [.sum], by: ["service", "route"], from: from, to: to, nowMs: now)[0]
        let seconds = max(Double(to - from) / 1000, 0.001)
        let rows = counts.keys.sorted(by: { (counts[$0] ?? 0) > (counts[$1] ?? 0) }).map { (labels: Labels) -> RoutesTable.Row in
            let count = counts[labels] ?? 0
            return RoutesTable.Row(
                service: labels["service"] ?? "", route: labels["route"] ?? "", requests: count, rps: count / seconds,
                p50: p50[labels]?.roundedToHundredths, p95: p95[labels]?.roundedToHundredths, p99: p99[labels]?.roundedToHundredths,
                errorRate: count > 0 ? ((errors[labels] ?? 0) / count).roundedToTenThousandths : 0)
        }
        return try .json(RoutesTable(from: from, to: to, routes: rows), capacity: 256 + rows.count * 160)
    }

    /// Per query fingerprint: calls, total time, p95, and the normalized statement.
    func queries(_ request: Request) async throws -> Response {
        let now = TimeParsing.nowMs()
        let (from, to) = try request.timeRange(nowMs: now)
        let columns = try await components.tableEngine.table(
            "db.query.duration", [.count, .sum, .percentile(0.95)], by: ["service", "db_system", "operation", "fingerprint"],
            from: from, to: to, nowMs: now)
        let (calls, totals, p95) = (columns[0], columns[1], columns[2])
        let fingerprints = calls.keys.compactMap { $0["fingerprint"] }
        let statements = try await components.spanStore.statements(fingerprints: fingerprints)
        // Traces that ran each query: the count of its calls-per-trace distribution.
        let traces = try await components.tableEngine.table(
            "db.query.calls_per_trace", [.count], by: ["service", "db_system", "operation", "fingerprint"], from: from, to: to,
            nowMs: now)[0]
        let rows = calls.keys.sorted(by: { (totals[$0] ?? 0) > (totals[$1] ?? 0) }).map { (labels: Labels) -> SlowQueryTable.Row in
            let fingerprint = labels["fingerprint"] ?? ""
            let callCount = calls[labels] ?? 0
            let traceCount = traces[labels] ?? 0
            return SlowQueryTable.Row(
                fingerprint: fingerprint, service: labels["service"] ?? "", dbSystem: labels["db_system"] ?? "",
                operation: labels["operation"] ?? "", statement: statements[fingerprint] ?? "", calls: callCount,
                totalMs: (totals[labels] ?? 0).roundedToHundredths, p95: p95[labels]?.roundedToHundredths, traces: traceCount,
                callsPerTrace: traceCount > 0 ? (callCount / traceCount).roundedToHundredths : nil)
        }
        return try .json(SlowQueryTable(from: from, to: to, queries: rows), capacity: 256 + rows.count * 400)
    }
}

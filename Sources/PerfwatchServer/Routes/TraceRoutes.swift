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
        var json = JSONText()
        json.raw("{\"traces\":[")
        for (index, summary) in summaries.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"traceId\":")
            json.string(summary.traceID)
            json.raw(",\"service\":")
            json.string(summary.service)
            json.raw(",\"name\":")
            json.string(summary.name)
            json.raw(",\"route\":")
            json.string(summary.route.isEmpty ? summary.name : summary.route)
            json.raw(",\"startTime\":")
            json.number(summary.startMs)
            json.raw(",\"durationMs\":")
            json.number(summary.durationMs)
            json.raw(",\"spanCount\":\(summary.spanCount),\"error\":\(summary.isError)}")
        }
        json.raw("]}")
        return .json(json.text)
    }

    func trace(_ id: String) async throws -> Response {
        let normalized = id.lowercased()
        guard normalized.count == 32, normalized.allSatisfy(\.isHexDigit) else {
            throw PerfwatchError(.badRequest, "trace id '\(id.prefix(64))' is not 32 hex digits")
        }
        let spans = try await components.spanStore.trace(id: normalized)
        guard !spans.isEmpty else { throw PerfwatchError(.notFound, "no trace with id \(normalized)") }
        // Self time: the span's duration minus the union of its children's time inside it.
        var children: [String: [Span]] = [:]
        for span in spans where !span.parentSpanID.isEmpty { children[span.parentSpanID, default: []].append(span) }
        var json = JSONText()
        json.raw("{\"traceId\":")
        json.string(normalized)
        json.raw(",\"spans\":[")
        for (index, span) in spans.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"spanId\":")
            json.string(span.spanID)
            json.raw(",\"parentSpanId\":")
            json.string(span.parentSpanID)
            json.raw(",\"name\":")
            json.string(span.name)
            json.raw(",\"service\":")
            json.string(span.service)
            json.raw(",\"kind\":")
            json.string(span.kind.name)
            json.raw(",\"startTime\":")
            json.number(span.startMs)
            json.raw(",\"durationMs\":")
            json.number(span.durationMs)
            json.raw(",\"selfTimeMs\":")
            json.number(Self.selfTimeMs(span, children: children[span.spanID] ?? []))
            json.raw(",\"status\":")
            json.string(span.status == .error ? "error" : span.status == .ok ? "ok" : "unset")
            json.raw(",\"statusMessage\":")
            json.string(span.statusMessage)
            json.raw(",\"attributes\":")
            json.object(span.attributes)
            json.raw(",\"events\":[")
            for (eventIndex, event) in span.events.enumerated() {
                if eventIndex > 0 { json.raw(",") }
                json.raw("{\"time\":")
                json.number(Double(event.timeNs) / 1e6)
                json.raw(",\"name\":")
                json.string(event.name)
                json.raw(",\"attributes\":")
                json.object(event.attributes)
                json.raw("}")
            }
            json.raw("]}")
        }
        json.raw("]}")
        return .json(json.text)
    }

    static func selfTimeMs(_ span: Span, children: [Span]) -> Double {
        let start = span.startNs
        let end = span.startNs + span.durationNs
        let intervals = children.map { (max($0.startNs, start), min($0.startNs + $0.durationNs, end)) }.filter { $0.0 < $0.1 }
            .sorted { $0.0 < $1.0 }
        var covered: Int64 = 0
        var cursor = start
        for (childStart, childEnd) in intervals where childEnd > cursor {
            covered += childEnd - max(childStart, cursor)
            cursor = childEnd
        }
        return Double(span.durationNs - covered) / 1e6
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
        var json = JSONText()
        json.raw("{\"from\":\(from),\"to\":\(to),\"routes\":[")
        for (index, labels) in counts.keys.sorted(by: { (counts[$0] ?? 0) > (counts[$1] ?? 0) }).enumerated() {
            let count = counts[labels] ?? 0
            if index > 0 { json.raw(",") }
            json.raw("{\"service\":")
            json.string(labels["service"] ?? "")
            json.raw(",\"route\":")
            json.string(labels["route"] ?? "")
            json.raw(",\"requests\":")
            json.number(count)
            json.raw(",\"rps\":")
            json.number(count / seconds)
            for (name, map) in [("p50", p50), ("p95", p95), ("p99", p99)] {
                json.raw(",\"\(name)\":")
                if let value = map[labels] { json.number((value * 100).rounded() / 100) } else { json.raw("null") }
            }
            json.raw(",\"errorRate\":")
            json.number(count > 0 ? ((errors[labels] ?? 0) / count * 10000).rounded() / 10000 : 0)
            json.raw("}")
        }
        json.raw("]}")
        return .json(json.text)
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
        var json = JSONText()
        json.raw("{\"from\":\(from),\"to\":\(to),\"queries\":[")
        for (index, labels) in calls.keys.sorted(by: { (totals[$0] ?? 0) > (totals[$1] ?? 0) }).enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"fingerprint\":")
            json.string(labels["fingerprint"] ?? "")
            json.raw(",\"service\":")
            json.string(labels["service"] ?? "")
            json.raw(",\"dbSystem\":")
            json.string(labels["db_system"] ?? "")
            json.raw(",\"operation\":")
            json.string(labels["operation"] ?? "")
            json.raw(",\"statement\":")
            json.string(statements[labels["fingerprint"] ?? ""] ?? "")
            json.raw(",\"calls\":")
            json.number(calls[labels] ?? 0)
            json.raw(",\"totalMs\":")
            json.number(((totals[labels] ?? 0) * 100).rounded() / 100)
            json.raw(",\"p95\":")
            if let value = p95[labels] { json.number((value * 100).rounded() / 100) } else { json.raw("null") }
            json.raw(",\"traces\":")
            let traceCount = traces[labels] ?? 0
            json.number(traceCount)
            json.raw(",\"callsPerTrace\":")
            if traceCount > 0 { json.number(((calls[labels] ?? 0) / traceCount * 100).rounded() / 100) } else { json.raw("null") }
            json.raw("}")
        }
        json.raw("]}")
        return .json(json.text)
    }
}

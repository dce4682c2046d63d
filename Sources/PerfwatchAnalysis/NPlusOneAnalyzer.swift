public import PerfwatchModel
public import PerfwatchQuery

/// N+1 queries: a route whose requests run the same query fingerprint many times each.
///
/// Method: from `db.query.calls_per_trace` (derived from spans per trace and fingerprint) by
/// service, route and fingerprint, the median calls per request; with the fingerprint's mean
/// duration, the time those calls cost per request. Flagged when the median is at least
/// `minCalls` (5, as Sentry's published rule) and the calls cost more than `minTotalMs` (50 ms,
/// Sentry's) or `minShareOfP95` (10 %) of the route's p95 — the share keeps small, fast routes
/// visible where 50 ms would never trigger. Limits: calls are counted per export, so a trace
/// split across exports counts as two requests; "sequential" is not checked (concurrent
/// repeats are flagged too, and are still N round trips).
public struct NPlusOneAnalyzer: Analyzer {
    public var minCalls = 5.0
    public var minTotalMs = 50.0
    public var minShareOfP95 = 0.10
    let engine: QueryEngine
    let statements: @Sendable ([String]) async throws -> [String: String]

    public init(engine: QueryEngine, statements: @escaping @Sendable ([String]) async throws -> [String: String]) {
        self.engine = engine
        self.statements = statements
    }

    public var types: Set<String> { ["n_plus_one"] }

    public func analyze(_ context: AnalysisContext) async throws -> [PerformanceIssue] {
        let calls = try await engine.table(
            "db.query.calls_per_trace", [.percentile(0.5), .count], by: ["service", "route", "fingerprint"], from: context.from,
            to: context.to, nowMs: context.nowMs)
        let durations = try await engine.table(
            "db.query.duration", [.avg], by: ["service", "fingerprint"], from: context.from, to: context.to, nowMs: context.nowMs)[0]
        let routeP95 = try await engine.table(
            "http.server.duration", [.percentile(0.95)], by: ["service", "route"], from: context.from, to: context.to,
            nowMs: context.nowMs)[0]
        var candidates: [(labels: Labels, median: Double, requests: Double, perCallMs: Double, p95: Double?)] = []
        for (labels, median) in calls[0] where median >= minCalls {
            let route = labels["route"] ?? ""
            guard !route.isEmpty, let perCall = durations[Labels(["service": labels["service"] ?? "", "fingerprint": labels["fingerprint"] ?? ""])]
            else { continue }
            let p95 = routeP95[Labels(["service": labels["service"] ?? "", "route": route])]
            let total = median * perCall
            guard total > minTotalMs || (p95.map { total >= minShareOfP95 * $0 } ?? false) else { continue }
            candidates.append((labels, median, calls[1][labels] ?? 0, perCall, p95))
        }
        let texts = try await statements(candidates.compactMap { $0.labels["fingerprint"] })
        return candidates.map { candidate in
            let service = candidate.labels["service"] ?? ""
            let route = candidate.labels["route"] ?? ""
            let fingerprint = candidate.labels["fingerprint"] ?? ""
            let statement = texts[fingerprint] ?? fingerprint
            let calls = Int(candidate.median.rounded())
            let total = candidate.median * candidate.perCallMs
            // One query instead of N: the N−1 extra round trips go; the one left costs about one call.
            let saving = total - candidate.perCallMs
            let share = candidate.p95.map { " — \(Int((min(total / $0, 1) * 100).rounded()))% of its \(Format.ms($0)) p95" } ?? ""
            let expected = candidate.p95.map { " Expected p95 ≈ \(Format.ms(max($0 - saving, candidate.perCallMs)))." } ?? ""
            return PerformanceIssue(
                fingerprint: "n_plus_one|\(service)|\(route)|\(fingerprint)", type: "n_plus_one",
                title: "\(route) runs the same query \(calls) times per request (N+1)",
                description: "\(route) (\(service)) runs `\(statement)` \(calls) times per request at the median: \(Format.ms(total)) per request\(share).",
                recommendation: "Load the rows in one query — `WHERE … IN (…)`, a JOIN, or your ORM's eager loading (includes/prefetch_related/JOIN FETCH) — instead of one query per item. Saves ≈ \(Format.ms(saving)) per request.\(expected)",
                severity: Severity.forImpact(total > 100 || (candidate.p95.map { total >= 0.3 * $0 } ?? false) ? .critical : .warning, impactMs: saving),
                service: service, route: route, impactMs: saving,
                evidence: Format.evidence([
                    "fingerprint": Format.string(fingerprint), "statement": Format.string(statement),
                    "callsPerRequestMedian": Format.number(candidate.median), "requests": Format.number(candidate.requests),
                    "msPerCall": Format.number(candidate.perCallMs), "msPerRequest": Format.number(total),
                    "routeP95Ms": candidate.p95.map(Format.number) ?? "null",
                    "query": Format.string("/api/v1/query?metric=db.query.calls_per_trace&stat=p50&by=route,fingerprint&where=fingerprint=\(fingerprint)"),
                ]))
        }
    }
}

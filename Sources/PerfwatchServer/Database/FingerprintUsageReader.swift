import PerfwatchAnalysis
import PerfwatchModel
import PerfwatchQuery
import PerfwatchStorage

/// What Perfwatch's spans say about each SQL fingerprint, for the database advisor: the routes that
/// run it (calls per request, share of the route's p95) and a recent real statement (literals as the
/// app sent them, so EXPLAIN gets real parameters). The same series the Database page's table and
/// the N+1 analyzer read (`db.query.duration`, `db.query.calls_per_trace`, `http.server.duration`).
struct FingerprintUsageReader: Sendable {
    let engine: QueryEngine
    let spans: any SpanStore
    /// Fingerprints read per pass (by total time): the advisor explains far fewer than this.
    var maxFingerprints = 200
    /// Fingerprints whose recent real statement is looked up in traces (each costs a few trace reads).
    var maxSampled = 40
    /// Traces read per fingerprint when looking for a sample.
    var tracesPerSample = 3

    func usage(from: Int64, to: Int64, nowMs: Int64) async throws -> [FingerprintUsage] {
        let durations = try await engine.table(
            "db.query.duration", [.sum, .avg], by: ["service", "db_system", "fingerprint"], from: from, to: to, nowMs: nowMs)
        // Only PostgreSQL's statements can be matched with pg_stat_statements.
        var totalByFingerprint: [String: Double] = [:]
        var perCallMs: [String: Double] = [:]
        for (labels, total) in durations[0] where Self.isPostgres(labels["db_system"]) {
            guard let fingerprint = labels["fingerprint"], !fingerprint.isEmpty else { continue }
            totalByFingerprint[fingerprint, default: 0] += total
            perCallMs[fingerprint] = max(perCallMs[fingerprint] ?? 0, durations[1][labels] ?? 0)
        }
        let ranked = totalByFingerprint.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(maxFingerprints).map(\.key)
        guard !ranked.isEmpty else { return [] }
        let calls = try await engine.table(
            "db.query.calls_per_trace", [.avg], by: ["service", "route", "fingerprint"], from: from, to: to, nowMs: nowMs)[0]
        let routeP95 = try await engine.table(
            "http.server.duration", [.percentile(0.95)], by: ["service", "route"], from: from, to: to, nowMs: nowMs)[0]
        var routes: [String: [RouteUse]] = [:]
        for (labels, callsPerRequest) in calls {
            guard let fingerprint = labels["fingerprint"], let route = labels["route"], !route.isEmpty, let perCall = perCallMs[fingerprint]
            else { continue }
            let service = labels["service"] ?? ""
            let p95 = routeP95[Labels(["service": service, "route": route])] ?? 0
            let share = p95 > 0 ? min(1, callsPerRequest * perCall / p95) : 0
            routes[fingerprint, default: []].append(
                RouteUse(service: service, route: route, callsPerRequest: callsPerRequest, shareOfP95: share, p95Ms: p95))
        }
        let normalized = try await spans.statements(fingerprints: ranked)
        var usage: [FingerprintUsage] = []
        for (index, fingerprint) in ranked.enumerated() {
            let uses = (routes[fingerprint] ?? []).sorted { $0.shareOfP95 != $1.shareOfP95 ? $0.shareOfP95 > $1.shareOfP95 : $0.route < $1.route }
            var statement = normalized[fingerprint] ?? ""
            if index < maxSampled, let sample = try await recentStatement(fingerprint, routes: uses, from: from, to: to) { statement = sample }
            guard !statement.isEmpty else { continue }
            usage.append(FingerprintUsage(fingerprint: fingerprint, statement: statement, routes: uses))
        }
        return usage
    }

    /// The statement text of the newest span with this fingerprint in a recent trace of a route
    /// that runs it; nil when none is found (the normalized text is used then).
    func recentStatement(_ fingerprint: String, routes: [RouteUse], from: Int64, to: Int64) async throws -> String? {
        for use in routes.prefix(2) {
            var query = TraceQuery(from: from, to: to)
            query.service = use.service.isEmpty ? nil : use.service
            query.route = use.route
            query.limit = tracesPerSample
            for summary in try await spans.traceSummaries(query) {
                let trace = try await spans.trace(id: summary.traceID)
                if let span = trace.last(where: { $0.dbFingerprint == fingerprint }),
                    let text = span.attributes["db.statement"] ?? span.attributes["db.query.text"], !text.isEmpty
                {
                    return text
                }
            }
        }
        return nil
    }

    /// The most PostgreSQL calls in flight at once, estimated per window by Little's law (time spent
    /// in queries ÷ window length; windows of 10 s or more, at most 360 per range), rounded up; nil
    /// without database spans. The advisor compares it with the connections it sees (pool advice).
    func peakConcurrency(from: Int64, to: Int64, nowMs: Int64) async throws -> Int? {
        let step = max(10_000, (to - from) / 360)
        let result = try await engine.execute(
            MetricQuery(metric: "db.query.duration", stat: .sum, from: from, to: to, step: step, groupBy: ["db_system"]), nowMs: nowMs)
        var busyMs: [Int64: Double] = [:]
        for series in result.series where Self.isPostgres(series.tags["db_system"]) {
            for point in series.points where point.value.isFinite { busyMs[point.time, default: 0] += point.value }
        }
        guard let peak = busyMs.values.max(), peak > 0 else { return nil }
        return max(1, Int((peak / Double(step)).rounded(.up)))
    }

    static func isPostgres(_ system: String?) -> Bool {
        guard let system = system?.lowercased() else { return false }
        return system == "postgresql" || system == "postgres" || system == "pg"
    }
}

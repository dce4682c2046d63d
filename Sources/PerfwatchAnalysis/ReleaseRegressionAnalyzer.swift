public import PerfwatchModel
public import PerfwatchQuery

/// Regressions after deploys: per route, the newest release (`version` tag of
/// `http.server.duration`, from the service's `service.version`) against the release before it
/// in the same window. Flagged when p95 grew by `minChange` (20 %) and both releases have at
/// least `minRequests` requests; improvements of the same size are not issues. Limits: a plain
/// p95 comparison — no rank test yet, so the request minimum stands in for significance; a
/// release is "newest" by its first appearance in the window.
public struct ReleaseRegressionAnalyzer: Analyzer {
    public var minChange = 0.20
    public var minRequests = 50.0
    let engine: QueryEngine

    public init(engine: QueryEngine) { self.engine = engine }

    public var types: Set<String> { ["regression"] }

    public func analyze(_ context: AnalysisContext) async throws -> [PerformanceIssue] {
        let columns = try await engine.table(
            "http.server.duration", [.percentile(0.95), .count], by: ["service", "route", "version"], from: context.from, to: context.to,
            nowMs: context.nowMs)
        // First appearance of each release per service: the earliest window with data. About
        // 100 windows over the range (at least a minute) order releases well enough and keep a
        // day-long pass cheap (1-minute steps over 24 h read every 1-minute bucket).
        let step = max(60_000, (context.to - context.from) / 96 / 60_000 * 60_000)
        let firstSeen = try await engine.execute(
            MetricQuery(metric: "http.server.duration", stat: .count, from: context.from, to: context.to, step: step, groupBy: ["service", "version"]),
            nowMs: context.nowMs)
        var releaseStart: [String: [String: Int64]] = [:]  // service → version → first minute
        for series in firstSeen.series {
            guard let service = series.tags["service"], let version = series.tags["version"],
                let first = series.points.first(where: { $0.value > 0 })?.time
            else { continue }
            releaseStart[service, default: [:]][version] = first
        }
        var byRoute: [Labels: [(version: String, p95: Double, count: Double)]] = [:]
        for (labels, p95) in columns[0] {
            guard let version = labels["version"], !version.isEmpty else { continue }
            let key = Labels(["service": labels["service"] ?? "", "route": labels["route"] ?? ""])
            byRoute[key, default: []].append((version, p95, columns[1][labels] ?? 0))
        }
        var findings: [PerformanceIssue] = []
        for (key, releases) in byRoute where releases.count >= 2 {
            let service = key["service"] ?? ""
            let starts = releaseStart[service] ?? [:]
            let ordered = releases.sorted { (starts[$0.version] ?? 0, $0.version) < (starts[$1.version] ?? 0, $1.version) }
            let before = ordered[ordered.count - 2]
            let after = ordered[ordered.count - 1]
            guard before.count >= minRequests, after.count >= minRequests, before.p95 > 0 else { continue }
            let change = after.p95 / before.p95 - 1
            guard change >= minChange else { continue }
            let route = key["route"] ?? ""
            findings.append(
                PerformanceIssue(
                    fingerprint: "regression|\(service)|\(route)|\(after.version)", type: "regression",
                    title: "\(route) got \(Int((change * 100).rounded()))% slower in \(after.version)",
                    description: "p95 of \(route) (\(service)) went from \(Format.ms(before.p95)) in \(before.version) to \(Format.ms(after.p95)) in \(after.version) (\(Int(before.count)) and \(Int(after.count)) requests).",
                    recommendation: "Compare slow traces of \(route) before and after \(after.version) (Traces page, filter by route) to find the operation whose time grew; roll back or fix it to win back ≈ \(Format.ms(after.p95 - before.p95)) at p95.",
                    severity: change >= 0.5 ? "critical" : "warning", service: service, route: route, impactMs: after.p95 - before.p95,
                    evidence: Format.evidence([
                        "before": Format.string(before.version), "after": Format.string(after.version),
                        "p95BeforeMs": Format.number(before.p95), "p95AfterMs": Format.number(after.p95),
                        "requestsBefore": Format.number(before.count), "requestsAfter": Format.number(after.count),
                        "changePct": Format.number(change * 100),
                    ])))
        }
        return findings
    }
}

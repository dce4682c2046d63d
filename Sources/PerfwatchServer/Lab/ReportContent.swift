import Foundation
import PerfwatchModel
import PerfwatchQuery
import PerfwatchStorage

/// What a report holds (issue 20), gathered over its period (one day or one week, ending now) and
/// compared with the period before: RUM p75 per vital, the lab audits' latest scores, the slowest
/// routes, open issues, optimizations with their verdicts, alert statistics and uptime per check.
/// The JSON of this type is the `json` format; CSV and PDF are drawn from it.
struct ReportContent: Encodable, Sendable {
    struct Vital: Encodable, Sendable {
        let vital: String
        let unit: String
        let p75: Double?
        let previousP75: Double?
        /// Percent change from the previous period; nil without both values.
        let changePct: Double?
    }

    struct AuditScore: Encodable, Sendable {
        let url: String
        let score: Int
        let previousScore: Int?
        let auditedAt: Int64
    }

    struct SlowRoute: Encodable, Sendable {
        let service: String
        let route: String
        let p95Ms: Double
        let requests: Double
    }

    struct Issue: Encodable, Sendable {
        let id: Int64
        let severity: String
        let title: String
    }

    struct Optimization: Encodable, Sendable {
        let id: Int64
        let description: String
        let status: String
        let verdict: String?
        let changePct: Double?
    }

    struct Alerts: Encodable, Sendable {
        /// Alerts that started firing in the period.
        let fired: Int
        let resolved: Int
        /// Mean time from firing to acknowledgement, over the acknowledged ones (ms).
        let mttaMs: Double?
        /// Mean time from firing to resolution, over the resolved ones (ms).
        let mttrMs: Double?
    }

    struct Uptime: Encodable, Sendable {
        let check: String
        let uptimePct: Double?
    }

    let name: String
    let every: String
    let generatedAt: Int64
    let from: Int64
    let to: Int64
    let vitals: [Vital]
    let scores: [AuditScore]
    let slowestRoutes: [SlowRoute]
    let openIssues: [Issue]
    let optimizations: [Optimization]
    let alerts: Alerts
    let uptime: [Uptime]
    /// Budget status: the schedule's budget file checked now (`ReportBudgetStatus`), or that none is named.
    let budget: String

    enum CodingKeys: String, CodingKey {
        case name, every, generatedAt = "generated_at", from, to, vitals, scores, slowestRoutes = "slowest_routes", openIssues = "open_issues"
        case optimizations, alerts, uptime, budget
    }

    static let vitalUnits: [(String, String)] = [("lcp", "ms"), ("inp", "ms"), ("cls", ""), ("fcp", "ms"), ("ttfb", "ms")]
}

/// Gathers a report from the stores and the query engine.
struct ReportBuilder: Sendable {
    let engine: QueryEngine
    let lab: any LabStore
    let issues: any IssueStore
    let optimizations: any OptimizationStore
    let alertHistory: any AlertHistoryStore
    let checks: @Sendable () async -> [String]

    func build(name: String, every: ReportSchedule.Every, nowMs: Int64, budgetFile: String? = nil) async throws -> ReportContent {
        let period: Int64 = every == .day ? 86_400_000 : 7 * 86_400_000
        let from = nowMs - period
        var vitals: [ReportContent.Vital] = []
        for (vital, unit) in ReportContent.vitalUnits {
            let now = try await p75(vital, from: from, to: nowMs, nowMs: nowMs)
            let before = try await p75(vital, from: from - period, to: from, nowMs: nowMs)
            var change: Double?
            if let now, let before, before > 0 { change = ((now - before) / before * 1000).rounded() / 10 }
            vitals.append(ReportContent.Vital(vital: vital, unit: unit, p75: now, previousP75: before, changePct: change))
        }
        return ReportContent(
            name: name, every: every.rawValue, generatedAt: nowMs, from: from, to: nowMs, vitals: vitals,
            scores: try await scores(from: from), slowestRoutes: try await slowestRoutes(from: from, nowMs: nowMs),
            openIssues: try await issues.issues(status: .open, type: nil, limit: 20).map { .init(id: $0.id, severity: $0.severity, title: $0.title) },
            optimizations: try await optimizations.optimizations(limit: 20).map {
                .init(id: $0.id, description: $0.description, status: $0.status, verdict: $0.impact?.verdict.rawValue, changePct: $0.impact?.changePct)
            },
            alerts: try await alertStatistics(from: from, to: nowMs), uptime: try await uptime(nowMs: nowMs, periodMs: period),
            budget: await ReportBudgetStatus.text(budgetFile: budgetFile, engine: engine, nowMs: nowMs))
    }

    private func p75(_ vital: String, from: Int64, to: Int64, nowMs: Int64) async throws -> Double? {
        let query = MetricQuery(metric: "rum.\(vital)", stat: .percentile(0.75), from: from, to: to)
        guard let value = try await engine.execute(query, nowMs: nowMs).series.first?.points.last?.value, value.isFinite else { return nil }
        return (value * 1000).rounded() / 1000
    }

    /// Each audited URL's newest score, with the newest one from before the period.
    private func scores(from: Int64) async throws -> [ReportContent.AuditScore] {
        var result: [ReportContent.AuditScore] = []
        for entry in try await lab.auditedURLs().prefix(20) {
            let audits = try await lab.audits(url: entry.url, limit: 200)
            guard let latest = audits.first else { continue }
            let previous = audits.first { $0.startedMs < from && $0.id != latest.id }
            result.append(.init(url: entry.url, score: Int(latest.score), previousScore: previous.map { Int($0.score) }, auditedAt: latest.startedMs))
        }
        return result
    }

    private func slowestRoutes(from: Int64, nowMs: Int64) async throws -> [ReportContent.SlowRoute] {
        let query = MetricQuery(metric: "http.server.duration", stat: .percentile(0.95), from: from, to: nowMs, groupBy: ["service", "route"])
        let results = try await engine.execute(query, stats: [.percentile(0.95), .count], nowMs: nowMs)
        var counts: [[String: String]: Double] = [:]
        for series in results[1].series { counts[series.tags] = series.points.last?.value }
        let rows = results[0].series.compactMap { series -> ReportContent.SlowRoute? in
            guard let p95 = series.points.last?.value, p95.isFinite else { return nil }
            return .init(
                service: series.tags["service"] ?? "", route: series.tags["route"] ?? "", p95Ms: (p95 * 100).rounded() / 100,
                requests: counts[series.tags] ?? 0)
        }
        return Array(rows.sorted { $0.p95Ms > $1.p95Ms }.prefix(10))
    }

    private func alertStatistics(from: Int64, to: Int64) async throws -> ReportContent.Alerts {
        let records = try await alertHistory.alertHistory(from: from, to: to, kind: nil, limit: 100_000)
        let fired = records.filter { $0.kind == "firing" }
        let resolved = records.filter { $0.kind == "resolved" }
        let acknowledged = records.filter { $0.kind == "acknowledged" }
        func mean(_ values: [Int64]) -> Double? { values.isEmpty ? nil : Double(values.reduce(0, +)) / Double(values.count) }
        return .init(
            fired: fired.count, resolved: resolved.count,
            mttaMs: mean(acknowledged.compactMap { record in record.acknowledgedMs.flatMap { ack in record.firedMs.map { ack - $0 } } }),
            mttrMs: mean(resolved.compactMap { record in record.resolvedMs.flatMap { end in record.firedMs.map { end - $0 } } }))
    }

    private func uptime(nowMs: Int64, periodMs: Int64) async throws -> [ReportContent.Uptime] {
        let query = MetricQuery(metric: "synthetic.up", stat: .avg, from: nowMs - periodMs, to: nowMs, groupBy: ["check"])
        var byCheck: [String: Double] = [:]
        for series in try await engine.execute(query, nowMs: nowMs).series {
            if let check = series.tags["check"], let value = series.points.last?.value, value.isFinite { byCheck[check] = (value * 100_000).rounded() / 1000 }
        }
        return await checks().map { .init(check: $0, uptimePct: byCheck[$0]) }
    }
}

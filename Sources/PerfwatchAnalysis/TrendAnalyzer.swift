import Foundation
public import PerfwatchModel
import PerfwatchQuery

/// Trends that need attention before they become incidents (issue type `trend`).
///
/// Method: `TrendReader` per route for p95 and error rate, and per page for LCP/INP/CLS p75
/// when RUM data exists. A route is flagged when, with at least `minSamples` requests in the
/// window, data in at least `minCoverage` (half) of its buckets and a Theil–Sen slope whose
/// 95% interval lies above zero, either
/// - the fitted line reaches the SLO threshold within `horizonMs` (7 days) while the window's
///   value is still under it, or
/// - the window's value grew by at least `minChange` (50 %) over the previous period of equal
///   length (which also needs `minSamples`) and by at least the metric's absolute floor
///   (`minAbsoluteChange`: 20 ms for latencies, one percentage point for error rates).
/// Throughput trends are reported by the API only: more or less traffic is not by itself a problem.
/// Limits: a straight line — daily cycles inside the window bend it, so windows shorter than a
/// day can forecast a morning ramp as a trend (hence the significance and size floors); the
/// forecast assumes the slope holds.
public struct TrendAnalyzer: Analyzer {
    public var horizonMs: Int64 = 7 * 86_400_000
    public var minChange = 0.5
    public var minSamples = 50.0
    public var minAbsoluteChange: [TrendMetric: Double] = [.p95: 20, .errorRate: 0.01, .lcp: 200, .inp: 50, .cls: 0.02]
    public var metrics: [TrendMetric] = [.p95, .errorRate, .lcp, .inp, .cls]
    /// Share of the window's buckets that must hold data: a line through a few minutes of a new
    /// route (or a backfill) is a step, not a trend.
    public var minCoverage = 0.5
    let reader: TrendReader

    public init(reader: TrendReader) { self.reader = reader }

    public var types: Set<String> { ["trend"] }

    public func analyze(_ context: AnalysisContext) async throws -> [PerformanceIssue] {
        var findings: [PerformanceIssue] = []
        for metric in metrics {
            for trend in try await reader.trends(metric, from: context.from, to: context.to, nowMs: context.nowMs) {
                if let issue = issue(for: trend, context: context) { findings.append(issue) }
            }
        }
        return findings
    }

    func issue(for trend: RouteTrend, context: AnalysisContext) -> PerformanceIssue? {
        guard trend.samples >= minSamples, trend.lowSlopePerHour > 0, let current = trend.current,
            Double(trend.points.count) >= minCoverage * Double(reader.buckets)
        else { return nil }
        let metric = trend.metric
        var reasons: [String] = []
        var forecast = false
        if let threshold = trend.threshold, current < threshold, let crossing = trend.crossingMs, crossing - context.to <= horizonMs {
            forecast = true
            reasons.append(
                "at the current slope (\(Self.format(trend.slopePerHour, metric))/h) it reaches the \(Self.format(threshold, metric)) SLO threshold in \(Self.duration(crossing - context.to))"
            )
        }
        if let previous = trend.previous, let change = trend.change, trend.previousSamples >= minSamples, change >= minChange,
            current - previous >= minAbsoluteChange[metric, default: 0]
        {
            reasons.append("it is \(Int((change * 100).rounded()))% above the previous period (\(Self.format(previous, metric)) → \(Self.format(current, metric)))")
        }
        guard !reasons.isEmpty else { return nil }
        let subject = metric.isVital ? "page \(trend.route)" : trend.route
        let windowHours = Double(context.to - context.from) / 3_600_000
        let growth = trend.slopePerHour * windowHours
        let latency = metric == .p95 || metric == .lcp || metric == .inp
        let advice: String
        switch metric {
        case .p95:
            advice = "Compare the slowest traces of \(trend.route) at the start and the end of the window (Traces page, order by duration) to see which operation grows; growing tables without an index, caches filling up and leaks show this shape."
        case .errorRate:
            advice = "Group the recent failed traces of \(trend.route) by exception type (Traces page, status=error) — a rising error rate usually has one growing cause."
        default:
            advice = "Check the page's largest resources and long tasks in recent page views (Web vitals page) for what grew."
        }
        return PerformanceIssue(
            fingerprint: "trend|\(metric.rawValue)|\(trend.service)|\(trend.route)", type: "trend",
            title: "\(subject) \(metric.label) is rising" + (forecast ? ": SLO threshold forecast within \(Self.duration(horizonMs))" : ""),
            description: "\(metric.label) of \(subject)\(trend.service.isEmpty ? "" : " (\(trend.service))") is \(Self.format(current, metric)) and rising; "
                + reasons.joined(separator: "; ") + ".",
            recommendation: advice
                + (latency ? " Stopping the growth keeps ≈ \(Self.format(max(growth, 0), metric)) per window off the \(metric.label)." : ""),
            // Error-rate and layout-shift trends cost errors and jumps, not time: their judgement stands.
            severity: latency ? Severity.forImpact(forecast ? .critical : .warning, impactMs: max(growth, 0)) : (forecast ? "critical" : "warning"), service: trend.service, route: trend.route,
            impactMs: latency ? max(growth, 0) : 0,
            evidence: Format.evidence([
                "metric": Format.string(metric.rawValue), "current": Self.number(current), "previous": trend.previous.map(Self.number) ?? "null",
                "changePct": trend.change.map { Format.number($0 * 100) } ?? "null", "slopePerHour": Self.number(trend.slopePerHour),
                "slopeLowPerHour": Self.number(trend.lowSlopePerHour), "slopeHighPerHour": Self.number(trend.highSlopePerHour),
                "threshold": trend.threshold.map(Self.number) ?? "null", "forecastCrossing": trend.crossingMs.map { "\($0)" } ?? "null",
                "samples": Format.number(trend.samples),
                "query": Format.string("/api/v1/trends?metric=\(metric.rawValue)&from=\(context.from)&to=\(context.to)"),
            ]))
    }

    /// Figures keep 4 significant decimals: error rates and CLS live below 1.
    static func number(_ value: Double) -> String { value.isFinite ? "\((value * 10_000).rounded() / 10_000)" : "null" }

    static func format(_ value: Double, _ metric: TrendMetric) -> String {
        switch metric {
        case .p95, .lcp, .inp: Format.ms(value)
        case .errorRate: String(format: "%.1f%%", value * 100)
        case .throughput: String(format: "%.2f req/s", value)
        case .cls: String(format: "%.3f", value)
        }
    }

    static func duration(_ ms: Int64) -> String {
        let hours = Double(ms) / 3_600_000
        return hours >= 48 ? String(format: "%.1f days", hours / 24) : String(format: "%.1f h", hours)
    }
}

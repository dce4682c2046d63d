import Foundation
public import PerfwatchModel
public import PerfwatchQuery
public import PerfwatchStatistics

/// Sudden departures from a route's normal (issue type `anomaly`): p95 and error rate
/// rising, throughput rising or falling, against the seasonal robust baseline of
/// `RobustAnomalyDetector` (median and MAD by hour of week / hour of day, rolling otherwise).
///
/// Buckets: windows of 12 h or more use hourly buckets with 15 days of history before the
/// window (read from the hourly rollups, so a day-long pass stays cheap) — enough for the
/// hour-of-week baseline once two weeks exist; shorter windows use buckets of a 30th of the
/// window (at least a minute) with a rolling baseline of the 24 buckets before each. Buckets
/// with fewer than `minRequestsPerBucket` (50) requests have no p95 or error rate (noise), and
/// throughput is watched only on routes with that many requests per bucket at the median, on
/// counts with a Poisson floor (√median) on the scale.
/// Only complete buckets are judged. An episode is one issue whatever window finds it: the
/// fingerprint is the route and metric (and, for throughput, the direction), never the
/// episode's first bucket, which moves with the bucket length (a 30-minute pass has minute
/// buckets, the hourly pass two-minute ones) and with where the window cuts the episode. A
/// later episode of the same kind reopens that issue with its own window in the evidence.
/// Limits: a level shift is reported at its onset and becomes the new normal after the rolling
/// window (or the seasonal history) absorbs it; the hour-of-week baseline needs two weeks.
public struct AnomalyAnalyzer: Analyzer {
    public var detector = RobustAnomalyDetector()
    public var minRequestsPerBucket = 50.0
    public var seasonalLookbackMs: Int64 = 15 * 86_400_000
    let engine: QueryEngine

    public init(engine: QueryEngine) { self.engine = engine }

    public var types: Set<String> { ["anomaly"] }

    /// Bucket length and how far back history is read for a window.
    public static func layout(windowMs: Int64, rollingBuckets: Int, seasonalLookbackMs: Int64) -> (step: Int64, lookback: Int64) {
        if windowMs >= 12 * 3_600_000 { return (3_600_000, seasonalLookbackMs) }
        let step = max(60_000, windowMs / 30 / 60_000 * 60_000)
        return (step, step * Int64(rollingBuckets))
    }

    public func analyze(_ context: AnalysisContext) async throws -> [PerformanceIssue] {
        let (step, lookback) = Self.layout(
            windowMs: context.to - context.from, rollingBuckets: detector.rollingBuckets, seasonalLookbackMs: seasonalLookbackMs)
        // Complete buckets only: the last one ends at the window's end rounded down to a step.
        let end = context.to / step * step - 1
        let windowStart = context.from / step * step
        let start = windowStart - lookback
        guard end > windowStart else { return [] }
        let stepped = try await engine.execute(
            MetricQuery(metric: "http.server.duration", stat: .count, from: start, to: end, step: step, groupBy: ["service", "route"]),
            stats: [.percentile(0.95), .count], nowMs: context.nowMs)
        let errors = try await engine.execute(
            MetricQuery(metric: "http.server.errors", stat: .sum, from: start, to: end, step: step, groupBy: ["service", "route"]),
            nowMs: context.nowMs)
        let errorSeries = Dictionary(errors.series.map { (Labels($0.tags), $0.points) }, uniquingKeysWith: { a, _ in a })
        let p95Series = Dictionary(stepped[0].series.map { (Labels($0.tags), $0.points) }, uniquingKeysWith: { a, _ in a })
        let firstBucket = WindowStart.floor(start, step)
        let bucketCount = Int((end / step * step - firstBucket) / step) + 1
        let evaluateFrom = Int((windowStart - firstBucket) / step)
        var findings: [PerformanceIssue] = []
        for countSeries in stepped[1].series {
            let labels = Labels(countSeries.tags)
            func grid(_ points: [(time: Int64, value: Double)]) -> [Double?] {
                var values = [Double?](repeating: nil, count: bucketCount)
                for point in points {
                    let index = Int((point.time - firstBucket) / step)
                    if index >= 0 && index < bucketCount { values[index] = point.value }
                }
                return values
            }
            var counts = grid(countSeries.points)
            // Zero where the route had no requests — but missing before its first request, so a
            // route that is new (or history that was not kept) does not look like a traffic surge.
            guard let firstRequest = counts.firstIndex(where: { ($0 ?? 0) > 0 }) else { continue }
            for index in counts.indices { counts[index] = index < firstRequest ? nil : (counts[index] ?? 0) }
            let busy = counts.map { ($0 ?? 0) >= minRequestsPerBucket }
            let p95 = zip(grid(p95Series[labels] ?? []), busy).map { $1 ? $0 : nil }
            let errorCounts = grid(errorSeries[labels] ?? [])
            let errorRate = counts.indices.map { index in busy[index] ? (errorCounts[index] ?? 0) / (counts[index] ?? 1) : nil }
            let medianCount = RobustStatistics.median(counts[evaluateFrom...].compactMap { $0 }) ?? 0
            var watched: [(metric: TrendMetric, values: [Double?], direction: RobustAnomalyDetector.Direction)] = [
                (.p95, p95, .up), (.errorRate, errorRate, .up),
            ]
            // Throughput is judged on counts (Poisson noise floor) and reported per second.
            if medianCount >= minRequestsPerBucket { watched.append((.throughput, counts, .both)) }
            for (metric, values, direction) in watched {
                var detector = self.detector
                detector.direction = direction
                // Error rates: a 2-point floor, so z ≥ 4 means at least 8 points above normal.
                if metric == .errorRate { detector.minAbsoluteScale = max(detector.minAbsoluteScale, 0.02) }
                detector.countNoiseFloor = metric == .throughput
                for var anomaly in detector.detect(values, startMs: firstBucket, stepMs: step, evaluateFrom: evaluateFrom) {
                    // Stopped: some bucket of the drop fell to (near) nothing — the run's median
                    // can still hold the bucket the traffic stopped in.
                    let lowest = values[anomaly.first...anomaly.last].compactMap { $0 }.min() ?? 0
                    let stopped = metric == .throughput && anomaly.actual < anomaly.expected
                        && lowest <= Severity.stoppedTrafficShare * anomaly.expected
                    if metric == .throughput {
                        anomaly.expected /= Double(step) / 1000
                        anomaly.actual /= Double(step) / 1000
                    }
                    findings.append(
                        issue(
                            anomaly, metric: metric, stopped: stopped, labels: labels, firstBucket: firstBucket, step: step,
                            context: context))
                }
            }
        }
        return Self.latestEpisodePerIssue(findings)
    }

    /// Two episodes of one route and metric in a window share a fingerprint: the latest one
    /// (found last, as episodes come in time order) is the issue's current state.
    static func latestEpisodePerIssue(_ findings: [PerformanceIssue]) -> [PerformanceIssue] {
        var latest: [String: Int] = [:]
        for (index, finding) in findings.enumerated() { latest[finding.fingerprint] = index }
        return findings.indices.filter { latest[findings[$0].fingerprint] == $0 }.map { findings[$0] }
    }

    func issue(
        _ anomaly: RobustAnomalyDetector.Anomaly, metric: TrendMetric, stopped: Bool = false, labels: Labels, firstBucket: Int64,
        step: Int64, context: AnalysisContext
    ) -> PerformanceIssue {
        let service = labels["service"] ?? ""
        let route = labels["route"] ?? ""
        let startMs = firstBucket + Int64(anomaly.first) * step
        let endMs = firstBucket + Int64(anomaly.last + 1) * step
        let expected = TrendAnalyzer.format(anomaly.expected, metric)
        let actual = TrendAnalyzer.format(anomaly.actual, metric)
        let direction = anomaly.actual >= anomaly.expected ? "above" : "below"
        let minutes = (endMs - startMs) / 60_000
        let advice: String
        switch metric {
        case .p95:
            advice = "Open the slowest traces of \(route) between the anomaly's start and end (Traces page, order by duration) and compare their waterfalls with a normal hour; check deploys, dependencies and host metrics at that time."
        case .errorRate:
            advice = "Open the failed traces of \(route) in that window (Traces page, status=error) and group them by exception."
        default:
            advice = stopped
                ? "Traffic to \(route) stopped. If that was expected (a demo or load test ended, a client went away) there is nothing to fix; otherwise check that callers (clients, upstream services, the load balancer) can reach it."
                : anomaly.actual < anomaly.expected
                ? "Traffic to \(route) dropped: check that callers (clients, upstream services, the load balancer) could reach it."
                : "Traffic to \(route) surged: check for retries, a crawler or a campaign, and that capacity kept up (p95 and errors at the same time)."
        }
        let latency = metric == .p95
        let judged: Severity = abs(anomaly.peakScore) >= 8 || (latency && anomaly.actual >= 2 * anomaly.expected) ? .critical : .warning
        let impactMs = latency ? max(0, anomaly.actual - anomaly.expected) : 0
        let severity: String
        switch metric {
        case .p95: severity = Severity.forImpact(judged, impactMs: impactMs)
        case .throughput: severity = Severity.forThroughput(judged, stopped: stopped)
        // Errors cost failed requests, not time: the judgement stands.
        default: severity = judged.rawValue
        }
        return PerformanceIssue(
            fingerprint: "anomaly|\(metric.rawValue)|\(service)|\(route)" + (metric == .throughput ? "|\(direction)" : ""),
            type: "anomaly",
            title: "\(route) \(metric.label) anomaly: \(actual) vs \(expected) expected" + (stopped ? " (traffic stopped)" : ""),
            description: (stopped ? "Traffic stopped: " : "") + "\(metric.label) of \(route) (\(service)) was \(actual) against an expected \(expected) (\(anomaly.baseline.rawValue.replacingOccurrences(of: "_", with: " ")) baseline) for \(minutes) min from \(Self.timestamp(startMs)) — \(direction) normal, robust z \(String(format: "%.1f", anomaly.peakScore)).",
            recommendation: advice,
            severity: severity, service: service, route: route, impactMs: impactMs,
            evidence: Format.evidence([
                "metric": Format.string(metric.rawValue), "expected": TrendAnalyzer.number(anomaly.expected),
                "actual": TrendAnalyzer.number(anomaly.actual), "score": Format.number(anomaly.peakScore),
                "baseline": Format.string(anomaly.baseline.rawValue), "windowStart": "\(startMs)", "windowEnd": "\(endMs)",
                "bucketMs": "\(step)",
                "query": Format.string(
                    "/api/v1/query?metric=http.server.duration&stat=\(metric == .p95 ? "p95" : "count")&where=route=\(route)&from=\(startMs - 6 * step)&to=\(endMs + 2 * step)&step=\(step)"),
            ]))
    }

    static func timestamp(_ ms: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}

enum WindowStart {
    /// `value` rounded down to a multiple of `step` (also for negative values), as the query engine aligns windows.
    static func floor(_ value: Int64, _ step: Int64) -> Int64 {
        let floored = value / step * step
        return floored > value ? floored - step : floored
    }
}

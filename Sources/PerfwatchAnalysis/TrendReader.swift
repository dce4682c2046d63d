import PerfwatchModel
public import PerfwatchQuery
import PerfwatchStatistics

/// One route's (or page's) trend over a window.
public struct RouteTrend: Sendable {
    public var metric: TrendMetric
    public var service: String
    /// The route, or the page for web vitals.
    public var route: String
    /// The whole window's value and the previous period's (same length, just before).
    public var current: Double?
    public var previous: Double?
    /// Requests (or page views) in the window and in the previous period.
    public var samples: Double
    public var previousSamples: Double
    /// Theil–Sen slope per hour over the window's buckets, with its 95% interval.
    public var slopePerHour: Double
    public var lowSlopePerHour: Double
    public var highSlopePerHour: Double
    /// The fitted line's value at the end of the window.
    public var fittedEnd: Double
    public var threshold: Double?
    /// When the fitted line reaches `threshold` at the current slope (nil: not rising or no threshold).
    public var crossingMs: Int64?
    /// Bucket values the slope was fitted on.
    public var points: [(time: Int64, value: Double)]

    public var isSignificant: Bool { lowSlopePerHour > 0 || highSlopePerHour < 0 }

    /// (current − previous) / previous, nil without a previous value.
    public var change: Double? {
        guard let current, let previous, previous > 0 else { return nil }
        return current / previous - 1
    }
}

/// Computes trends per route from the stored metrics: the window cut into about 24 buckets,
/// a Theil–Sen line through the buckets' values, the change against the previous period of
/// equal length, and a forecast of when the line reaches the metric's SLO threshold.
/// Buckets with fewer than `minSamplesPerBucket` requests are left out of the fit (a p95 of
/// three requests is noise). Shared by `TrendAnalyzer` and `GET /api/v1/trends`.
public struct TrendReader: Sendable {
    public var thresholds = TrendThresholds()
    public var buckets = 24
    public var minSamplesPerBucket = 5.0
    let engine: QueryEngine

    public init(engine: QueryEngine, thresholds: TrendThresholds = TrendThresholds()) {
        self.engine = engine
        self.thresholds = thresholds
    }

    /// Bucket length for a window: a 24th of it, in whole minutes (whole hours from an hour
    /// up, so day-long windows read the hourly rollups).
    public static func step(forWindowMs window: Int64, buckets: Int = 24) -> Int64 {
        let raw = max(60_000, window / Int64(buckets))
        let unit: Int64 = raw >= 3_600_000 ? 3_600_000 : 60_000
        return (raw + unit - 1) / unit * unit
    }

    public func trends(_ metric: TrendMetric, from: Int64, to: Int64, nowMs: Int64, filters: [TagFilter] = []) async throws -> [RouteTrend] {
        let window = max(to - from, 60_000)
        let step = Self.step(forWindowMs: window, buckets: buckets)
        let (series, groupBy, stat): (String, [String], Stat) =
            metric.isVital ? ("rum.\(metric.rawValue)", ["page"], .percentile(0.75)) : ("http.server.duration", ["service", "route"], .percentile(0.95))
        // Throughput and error rate need counts only: no sketches to read and merge.
        let stats: [Stat] = metric == .throughput || metric == .errorRate ? [.count, .count] : [stat, .count]
        let stepped = try await engine.execute(
            MetricQuery(metric: series, stat: stat, from: from, to: to, step: step, groupBy: groupBy, filters: filters),
            stats: stats, nowMs: nowMs)
        let current = try await engine.table(series, stats, by: groupBy, filters: filters, from: from, to: to, nowMs: nowMs)
        let previous = try await engine.table(
            series, stats, by: groupBy, filters: filters, from: from - window, to: from - 1, nowMs: nowMs)
        var errorsPerBucket: [Labels: [Int64: Double]] = [:]
        var errorsCurrent: [Labels: Double] = [:]
        var errorsPrevious: [Labels: Double] = [:]
        if metric == .errorRate {
            let errors = try await engine.execute(
                MetricQuery(metric: "http.server.errors", stat: .sum, from: from, to: to, step: step, groupBy: groupBy, filters: filters),
                nowMs: nowMs)
            for item in errors.series {
                errorsPerBucket[Labels(item.tags)] = Dictionary(item.points.map { ($0.time, $0.value) }, uniquingKeysWith: +)
            }
            errorsCurrent = try await engine.table("http.server.errors", [.sum], by: groupBy, filters: filters, from: from, to: to, nowMs: nowMs)[0]
            errorsPrevious = try await engine.table(
                "http.server.errors", [.sum], by: groupBy, filters: filters, from: from - window, to: from - 1, nowMs: nowMs)[0]
        }
        let counts = Dictionary(stepped[1].series.map { (Labels($0.tags), $0.points) }, uniquingKeysWith: { a, _ in a })
        var trends: [RouteTrend] = []
        for item in stepped[0].series {
            let labels = Labels(item.tags)
            let values = Dictionary(item.points.map { ($0.time, $0.value) }, uniquingKeysWith: { a, _ in a })
            var points: [(time: Int64, value: Double)] = []
            for countPoint in counts[labels] ?? [] {
                let count = countPoint.value
                switch metric {
                case .throughput:
                    // Edge windows are clipped to the range: divide by the time they cover.
                    let covered = min(countPoint.time + step, to + 1) - max(countPoint.time, from)
                    guard covered >= step / 2 else { continue }
                    points.append((countPoint.time, count / (Double(covered) / 1000)))
                case .errorRate:
                    guard count >= minSamplesPerBucket else { continue }
                    points.append((countPoint.time, (errorsPerBucket[labels]?[countPoint.time] ?? 0) / count))
                default:
                    guard count >= minSamplesPerBucket, let value = values[countPoint.time] else { continue }
                    points.append((countPoint.time, value))
                }
            }
            let samples = current[1][labels] ?? 0
            let previousSamples = previous[1][labels] ?? 0
            // A series with no data in either period has no trend to show.
            guard samples > 0 || previousSamples > 0 else { continue }
            let (currentValue, previousValue): (Double?, Double?)
            switch metric {
            case .throughput:
                currentValue = samples / (Double(window) / 1000)
                previousValue = previousSamples > 0 ? previousSamples / (Double(window) / 1000) : nil
            case .errorRate:
                currentValue = samples > 0 ? (errorsCurrent[labels] ?? 0) / samples : nil
                previousValue = previousSamples > 0 ? (errorsPrevious[labels] ?? 0) / previousSamples : nil
            default:
                currentValue = current[0][labels]
                previousValue = previous[0][labels]
            }
            // x in hours since the window's start, at each bucket's middle.
            let x = points.map { Double($0.time - from + step / 2) / 3_600_000 }
            let fit = points.count >= 3 ? TheilSen.fit(x: x, y: points.map(\.value)) : nil
            let endX = Double(to - from) / 3_600_000
            let fittedEnd = fit?.value(at: endX) ?? currentValue ?? 0
            let threshold = thresholds.threshold(for: metric)
            var crossing: Int64? = nil
            // Only a significant rise has a crossing (docs: null unless the metric is rising; issue 15).
            if let fit, let threshold, fit.lowSlope > 0 {
                let hours = max(0, (threshold - fittedEnd) / fit.slope)
                crossing = to + Int64(hours * 3_600_000)
            }
            trends.append(
                RouteTrend(
                    metric: metric, service: labels["service"] ?? "", route: labels[metric.isVital ? "page" : "route"] ?? "",
                    current: currentValue, previous: previousValue, samples: samples, previousSamples: previousSamples,
                    slopePerHour: fit?.slope ?? 0, lowSlopePerHour: fit?.lowSlope ?? 0, highSlopePerHour: fit?.highSlope ?? 0,
                    fittedEnd: fittedEnd, threshold: threshold, crossingMs: crossing, points: points))
        }
        return trends
    }
}

public import PerfwatchModel
import PerfwatchSketch
import PerfwatchStorage

extension QueryEngine {
    /// The merged sketch bins of a distribution metric per group over `[from, to]` — the whole
    /// distribution, for tests that compare two time ranges (Mann–Whitney over sketch bins).
    ///
    /// Only stored buckets lying wholly inside the range count, so two adjacent ranges
    /// (before/after a deploy) never share a bucket; the resolution is the one a query of the
    /// range would use (about a twentieth of it), so at most a bucket at each end is left out.
    public func sketches(
        _ metric: String, by groupBy: [String], filters: [TagFilter] = [], from: Int64, to: Int64, nowMs: Int64
    ) async throws -> [Labels: BinnedDistribution] {
        guard from <= to else { throw PerfwatchError(.badRequest, "from (\(from)) is after to (\(to))") }
        let matching = try await series(of: metric, filters: filters).filter { $0.kind == .distribution }
        guard !matching.isEmpty else { return [:] }
        let query = MetricQuery(metric: metric, stat: .count, from: from, to: to, groupBy: groupBy, filters: filters)
        let resolution = DistributionEvaluator.resolution(for: query, retention: store.retention, nowMs: nowMs)
        let buckets = try await store.readDistributions(
            seriesIDs: matching.map(\.id), from: from, to: to, resolution: resolution, withSketches: true)
        var merged: [Labels: QuantileSketch] = [:]
        for info in matching {
            guard let memberBuckets = buckets[info.id] else { continue }
            let group = info.key.labels.projected(onto: groupBy)
            for bucket in memberBuckets where bucket.start >= from && bucket.start + resolution.bucketMs - 1 <= to {
                guard let sketch = bucket.sketch else { continue }
                if merged[group] == nil { merged[group] = sketch } else { merged[group]!.merge(sketch) }
            }
        }
        return merged.mapValues { BinnedDistribution(bins: $0.bins, count: $0.count, sum: $0.sum) }
    }
}

/// A distribution as sketch bins: `(value, count)` in ascending order, each value within the
/// sketch's relative accuracy (1 %) of the values it stands for; count and sum are exact.
public struct BinnedDistribution: Sendable {
    public var bins: [(value: Double, count: UInt64)]
    public var count: UInt64
    public var sum: Double

    public init(bins: [(value: Double, count: UInt64)], count: UInt64, sum: Double) {
        self.bins = bins
        self.count = count
        self.sum = sum
    }

    public var mean: Double? { count > 0 ? sum / Double(count) : nil }

    /// The bin value at rank `q·(count−1)` (lower nearest rank, as `QuantileSketch.quantile`): a
    /// percentile of the same bins a rank test compares, without reading the range again.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0, let last = bins.last else { return nil }
        let rank = min(max(q, 0), 1) * Double(count - 1)
        var seen: UInt64 = 0
        for bin in bins {
            seen = seen.addingReportingOverflow(bin.count).overflow ? .max : seen + bin.count
            if Double(seen) > rank { return bin.value }
        }
        return last.value
    }
}

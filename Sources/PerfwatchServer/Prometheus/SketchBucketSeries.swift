import PerfwatchPromQL
import PerfwatchSketch
import PerfwatchStorage

/// A distribution's stored buckets as Prometheus' classic histogram series, cumulative over time (docs/promql.md,
/// design (a)): `_count` and `_sum` are running sums of the buckets' exact count and sum; `_bucket{le}` has one
/// series per sketch bin bound seen in the window (non-empty bins, the bound just below the lowest one, `+Inf`),
/// each the running sum of the observations at or below its bound. Every series of one metric in one selection
/// gets the same bounds (the union over them all), so `sum by (le)` adds like with like, as with classic buckets.
///
/// A sample sits at its bucket's end (what a counter scraped then would say: every observation of the bucket is
/// in it), and every series starts with `0` at the first bucket's start: no observation before it is counted.
/// So every series of one distribution has samples at the same times, and `rate`/`increase` scale all bounds
/// alike (Prometheus' extrapolation is the same for each), which keeps `histogram_quantile` exact. Running sums
/// start at the first bucket read, so absolute values depend on the window (as a restarted counter's would).
/// The bucket being filled shows once it ends (at most one resolution, 10 s, late: a scrape interval).
struct SketchBucketSeries {
    let grid: SketchBucketGrid
    let resolutionMs: Int64

    static let defaultGrid = SketchBucketGrid(relativeAccuracy: QuantileSketch.defaultRelativeAccuracy)

    func count(_ buckets: [DistributionBucket]) -> [PromSample] {
        runningSums(buckets) { Double($0.count) }
    }

    func sum(_ buckets: [DistributionBucket]) -> [PromSample] {
        runningSums(buckets) { $0.sum }
    }

    private func runningSums(_ buckets: [DistributionBucket], _ value: (DistributionBucket) -> Double) -> [PromSample] {
        var total = 0.0
        return baseline(buckets) + buckets.map { bucket in
            total += value(bucket)
            return PromSample(timestampMs: bucket.start + resolutionMs, value: total)
        }
    }

    private func baseline(_ buckets: [DistributionBucket]) -> [PromSample] {
        buckets.first.map { [PromSample(timestampMs: $0.start, value: 0)] } ?? []
    }

    /// The finite bounds to expose for these series: every non-empty bin's, and the one below the lowest.
    func bounds(_ series: [[DistributionBucket]]) -> [Double] {
        var bounds = Set<Double>()
        for buckets in series {
            for bucket in buckets { if let sketch = bucket.sketch { bounds.formUnion(binCounts(sketch).keys) } }
        }
        if let lowest = bounds.min() { bounds.insert(boundBelow(lowest)) }
        return bounds.sorted()
    }

    /// `(le, samples)` per bound of `sorted` (ascending), `+Inf` last.
    func buckets(_ buckets: [DistributionBucket], bounds sorted: [Double]) -> [(le: String, samples: [PromSample])] {
        let perBucket = buckets.map { bucket in bucket.sketch.map(binCounts) ?? [:] }
        var totals = [Double](repeating: 0, count: sorted.count)
        var samples = [[PromSample]](repeating: baseline(buckets), count: sorted.count)
        var infinite = baseline(buckets)
        var infiniteTotal = 0.0
        for (bucket, bins) in zip(buckets, perBucket) {
            var cumulative = 0.0
            for (index, bound) in sorted.enumerated() {
                cumulative += bins[bound] ?? 0
                totals[index] += cumulative
                samples[index].append(PromSample(timestampMs: bucket.start + resolutionMs, value: totals[index]))
            }
            infiniteTotal += Double(bucket.count)
            infinite.append(PromSample(timestampMs: bucket.start + resolutionMs, value: infiniteTotal))
        }
        return zip(sorted, samples).map { (le: PromFormat.value($0), samples: $1) } + [(le: "+Inf", samples: infinite)]
    }

    /// Observations per bin upper bound.
    func binCounts(_ sketch: QuantileSketch) -> [Double: Double] {
        var out: [Double: Double] = [:]
        for bin in sketch.bins {
            out[upperBound(ofRepresentative: bin.value), default: 0] += Double(bin.count)
        }
        return out
    }

    func upperBound(ofRepresentative value: Double) -> Double {
        if value > 0 { return grid.positiveUpperBound(grid.index(ofRepresentative: value)) }
        if value < 0 { return grid.negativeUpperBound(grid.index(ofRepresentative: value)) }
        return 0
    }

    /// The bound of the bin just below `bound` on the grid (zero has none below it: itself).
    func boundBelow(_ bound: Double) -> Double {
        guard let exponent = grid.gridExponent(of: bound) else { return bound }
        // γ^k tops positive bin k, so bin k−1 is topped by γ^(k−1); −γ^k tops negative bin k+1, so the bin below
        // it (larger magnitudes) is k+2, topped by −γ^(k+1).
        return bound > 0 ? grid.positiveUpperBound(exponent - 1) : grid.negativeUpperBound(exponent + 2)
    }
}

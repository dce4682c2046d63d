import Foundation

/// Compares the latency distributions of one request in two runs (baseline, candidate).
///
/// Pure and deterministic, so the server's `GET /api/v1/load-runs/compare` and the CLI give
/// the same answer. Inputs are the reports' `histogram` buckets (`[valueMicros, count]`).
///
/// Methods (see docs/formats/load-run.md):
/// - Percentile change: p50/p95/p99 of each run with a distribution-free 95% confidence
///   interval from order statistics (the rank of the q-quantile among n samples is
///   Binomial(n, q), so ranks `nq ± 1.96·√(nq(1−q))` bound it). A change is significant
///   when the two intervals do not overlap — conservative, needs no resampling.
/// - Whole distribution: two-sided Mann–Whitney U test with the normal approximation,
///   average ranks for ties (equal HDR buckets are ties) and the tie-corrected variance;
///   significant when p < `alpha`. The effect size is P(candidate > baseline) + ½P(tie).
public enum ComparisonStatistics {
    public struct Bucket: Sendable, Equatable, Codable {
        public var valueMicros: UInt64
        public var count: UInt64

        public init(valueMicros: UInt64, count: UInt64) {
            self.valueMicros = valueMicros
            self.count = count
        }
    }

    public struct PercentileChange: Sendable, Equatable, Codable {
        /// 50, 95 or 99.
        public var percentile: Double
        /// Milliseconds.
        public var baseline: Double
        public var candidate: Double
        /// (candidate − baseline) / baseline; 0 when the baseline is 0.
        public var relativeChange: Double
        public var baselineInterval: Interval
        public var candidateInterval: Interval
        public var significant: Bool
    }

    /// 95% confidence interval of a percentile in milliseconds. `upper` is `nil` when the
    /// sample is too small to bound the percentile from above (e.g. p99 of 50 requests).
    public struct Interval: Sendable, Equatable, Codable {
        public var lower: Double
        public var upper: Double?

        func overlaps(_ other: Interval) -> Bool {
            (upper ?? .infinity) >= other.lower && (other.upper ?? .infinity) >= lower
        }

        // Written by hand: the compare API leaves `upper` out when unbounded (not `null`),
        // whichever encoder writes it.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(lower, forKey: .lower)
            if let upper { try container.encode(upper, forKey: .upper) }
        }
    }

    public struct MannWhitney: Sendable, Equatable, Codable {
        public var u: Double
        public var z: Double
        public var pValue: Double
        /// Probability that a candidate request is slower than a baseline one (0.5 = same).
        public var probabilityCandidateSlower: Double
        public var significant: Bool
    }

    public struct Result: Sendable, Equatable, Codable {
        public var baselineCount: UInt64
        public var candidateCount: UInt64
        public var percentiles: [PercentileChange]
        public var mannWhitney: MannWhitney?

        // Written by hand: the compare API leaves `mannWhitney` out when a run is empty.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(baselineCount, forKey: .baselineCount)
            try container.encode(candidateCount, forKey: .candidateCount)
            try container.encode(percentiles, forKey: .percentiles)
            if let mannWhitney { try container.encode(mannWhitney, forKey: .mannWhitney) }
        }
    }

    /// Buckets from a report's `histogram` field.
    public static func buckets(_ pairs: [[UInt64]]) -> [Bucket] {
        pairs.compactMap { $0.count == 2 ? Bucket(valueMicros: $0[0], count: $0[1]) : nil }
    }

    public static func compare(
        baseline: [Bucket], candidate: [Bucket], percentiles: [Double] = [50, 95, 99], alpha: Double = 0.05
    ) -> Result {
        let base = normalized(baseline)
        let cand = normalized(candidate)
        let n1 = base.reduce(0) { $0 + $1.count }
        let n2 = cand.reduce(0) { $0 + $1.count }
        let changes = percentiles.compactMap { q -> PercentileChange? in
            guard n1 > 0, n2 > 0 else { return nil }
            let (b, bInterval) = quantile(base, total: n1, q: q / 100)
            let (c, cInterval) = quantile(cand, total: n2, q: q / 100)
            return PercentileChange(
                percentile: q, baseline: b, candidate: c, relativeChange: b > 0 ? (c - b) / b : 0,
                baselineInterval: bInterval, candidateInterval: cInterval, significant: !bInterval.overlaps(cInterval))
        }
        return Result(
            baselineCount: n1, candidateCount: n2, percentiles: changes,
            mannWhitney: mannWhitney(base, cand, n1: Double(n1), n2: Double(n2), alpha: alpha))
    }

    /// Sorted by value, zero counts removed, equal values merged.
    static func normalized(_ buckets: [Bucket]) -> [Bucket] {
        var merged: [Bucket] = []
        for bucket in buckets.sorted(by: { $0.valueMicros < $1.valueMicros }) where bucket.count > 0 {
            if merged.last?.valueMicros == bucket.valueMicros { merged[merged.count - 1].count += bucket.count } else { merged.append(bucket) }
        }
        return merged
    }

    /// Value (ms) at rank ⌈nq⌉ and the 95% order-statistic interval around it.
    static func quantile(_ buckets: [Bucket], total: UInt64, q: Double) -> (Double, Interval) {
        let n = Double(total)
        let spread = 1.96 * (n * q * (1 - q)).squareRoot()
        let rank = { (r: Double) in UInt64(min(max(r.rounded(.up), 1), n)) }
        let value = { (target: UInt64) -> Double in
            var seen: UInt64 = 0
            for bucket in buckets {
                seen += bucket.count
                if seen >= target { return Double(bucket.valueMicros) / 1000 }
            }
            return Double(buckets.last?.valueMicros ?? 0) / 1000
        }
        // Ranks outside 1...n mean the data cannot bound the percentile on that side.
        let lowRank = n * q - spread
        let highRank = (n * q + spread + 1).rounded(.up)
        let low = lowRank < 1 ? 0 : value(rank(lowRank))
        let high = highRank > n ? nil : value(rank(highRank))
        return (value(rank(n * q)), Interval(lower: low, upper: high))
    }

    static func mannWhitney(_ base: [Bucket], _ cand: [Bucket], n1: Double, n2: Double, alpha: Double) -> MannWhitney? {
        guard n1 > 0, n2 > 0 else { return nil }
        // Walk the union of values in order; each value is one tie group.
        var i = 0, j = 0
        var ranked = 0.0
        var rankSumBase = 0.0
        var tieTerm = 0.0
        while i < base.count || j < cand.count {
            let value = min(i < base.count ? base[i].valueMicros : .max, j < cand.count ? cand[j].valueMicros : .max)
            var a = 0.0, b = 0.0
            if i < base.count && base[i].valueMicros == value { a = Double(base[i].count); i += 1 }
            if j < cand.count && cand[j].valueMicros == value { b = Double(cand[j].count); j += 1 }
            let t = a + b
            let averageRank = ranked + (t + 1) / 2
            rankSumBase += a * averageRank
            tieTerm += t * t * t - t
            ranked += t
        }
        let n = n1 + n2
        let u1 = rankSumBase - n1 * (n1 + 1) / 2
        let mean = n1 * n2 / 2
        let variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        // u1 counts pairs where the baseline is slower; the candidate is slower in the rest.
        let probabilityCandidateSlower = 1 - u1 / (n1 * n2)
        guard variance > 0 else {
            return MannWhitney(u: u1, z: 0, pValue: 1, probabilityCandidateSlower: probabilityCandidateSlower, significant: false)
        }
        let difference = u1 - mean
        let corrected = difference == 0 ? 0 : (abs(difference) - 0.5) * (difference < 0 ? -1 : 1)
        let z = corrected / variance.squareRoot()
        let p = erfc(abs(z) / 2.0.squareRoot())
        return MannWhitney(u: u1, z: z, pValue: p, probabilityCandidateSlower: probabilityCandidateSlower, significant: p < alpha)
    }
}

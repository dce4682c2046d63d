/// One test for "did this change make requests slower or faster?", shared by the regression
/// analyzer (before/after a deploy) and the optimization validator (before/after a fix), so
/// both answer the same way.
///
/// Inputs are binned distributions — `(value ms, count)` pairs such as quantile-sketch bins.
/// Method: the tie-corrected two-sided Mann–Whitney U test of `ComparisonStatistics` over the
/// bins (equal bins are ties, so binning makes the test conservative, never falsely
/// significant), plus the p95 change. The verdict is `regressed` or `improved` only when the
/// rank test is significant (p < `alpha`), p95 moved by at least `minChange`, and both point
/// the same way; everything else is `no_change`.
public struct BeforeAfterComparison: Sendable, Equatable, Codable {
    public enum Verdict: String, Sendable, Codable {
        case improved
        case noChange = "no_change"
        case regressed
    }

    /// p95 in ms before and after.
    public var before: Double
    public var after: Double
    /// (after − before) / before × 100; 0 when before is 0.
    public var changePct: Double
    public var pValue: Double
    /// Probability that a request after the change is slower than one before (0.5: no shift).
    public var probabilityAfterSlower: Double
    public var countBefore: UInt64
    public var countAfter: UInt64
    public var verdict: Verdict

    /// nil when either side has no data.
    public static func compare(
        before: [(value: Double, count: UInt64)], after: [(value: Double, count: UInt64)], alpha: Double = 0.01,
        minChange: Double = 0.10
    ) -> BeforeAfterComparison? {
        let result = ComparisonStatistics.compare(
            baseline: buckets(before), candidate: buckets(after), percentiles: [95], alpha: alpha)
        guard let p95 = result.percentiles.first, let rank = result.mannWhitney else { return nil }
        let change = p95.relativeChange
        var verdict = Verdict.noChange
        if rank.pValue < alpha && abs(change) >= minChange {
            if change > 0 && rank.probabilityCandidateSlower > 0.5 { verdict = .regressed }
            if change < 0 && rank.probabilityCandidateSlower < 0.5 { verdict = .improved }
        }
        return BeforeAfterComparison(
            before: p95.baseline, after: p95.candidate, changePct: change * 100, pValue: rank.pValue,
            probabilityAfterSlower: rank.probabilityCandidateSlower, countBefore: result.baselineCount,
            countAfter: result.candidateCount, verdict: verdict)
    }

    /// Milliseconds to the microsecond buckets `ComparisonStatistics` ranks.
    static func buckets(_ bins: [(value: Double, count: UInt64)]) -> [ComparisonStatistics.Bucket] {
        bins.map { ComparisonStatistics.Bucket(valueMicros: UInt64(max(0, $0.value * 1000).rounded()), count: $0.count) }
    }
}

import Foundation

/// "Did this change make requests fail more often?": errors ÷ requests before against after, with
/// the two-sided two-proportion z-test (pooled variance). The root-cause analysis of a regression uses
/// its p-value; the optimization validator uses it next to
/// the latency test, because a change can keep p95 flat while answering more requests with errors
/// (a cache serving stale failures, traffic moved to a broken instance).
///
/// `worse` only when the test is significant (p < `alpha`) and the rate rose by at least
/// `minIncrease` in absolute terms (0.01 = one point), so a rise from 0.01% to 0.03% over a million
/// requests does not count.
public struct ErrorRateComparison: Sendable, Equatable {
    public var rateBefore: Double
    public var rateAfter: Double
    public var pValue: Double
    public var worse: Bool

    /// nil when either side has no requests.
    public static func compare(
        errorsBefore: Double, requestsBefore: Double, errorsAfter: Double, requestsAfter: Double, alpha: Double = 0.01,
        minIncrease: Double = 0.01
    ) -> ErrorRateComparison? {
        guard requestsBefore > 0, requestsAfter > 0 else { return nil }
        // Error counters and request counts come from different series; never let a rate pass 1.
        let before = min(1, max(0, errorsBefore / requestsBefore))
        let after = min(1, max(0, errorsAfter / requestsAfter))
        let pooled = (before * requestsBefore + after * requestsAfter) / (requestsBefore + requestsAfter)
        let spread = (pooled * (1 - pooled) * (1 / requestsBefore + 1 / requestsAfter)).squareRoot()
        // No spread only when both rates are 0 or both 1: nothing changed.
        let pValue = spread > 0 ? erfc(abs(after - before) / spread / 2.0.squareRoot()) : 1
        return ErrorRateComparison(
            rateBefore: before, rateAfter: after, pValue: pValue, worse: pValue < alpha && after - before >= minIncrease)
    }
}

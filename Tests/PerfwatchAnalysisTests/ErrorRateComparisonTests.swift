import PerfwatchModel
import PerfwatchStatistics
@testable import PerfwatchAnalysis
import Testing

@Suite("Error rate before and after a change")
struct ErrorRateComparisonTests {
    @Test("a significant rise of at least a point is worse; noise, small rises and falls are not")
    func verdicts() throws {
        let worse = try #require(ErrorRateComparison.compare(errorsBefore: 5, requestsBefore: 1000, errorsAfter: 80, requestsAfter: 1000))
        #expect(worse.worse && worse.rateBefore == 0.005 && worse.rateAfter == 0.08 && worse.pValue < 1e-6)
        let noise = try #require(ErrorRateComparison.compare(errorsBefore: 5, requestsBefore: 1000, errorsAfter: 8, requestsAfter: 1000))
        #expect(!noise.worse && noise.pValue > 0.01)
        // Significant over a million requests, but a rise of 0.02 points only.
        let tiny = try #require(
            ErrorRateComparison.compare(errorsBefore: 100, requestsBefore: 1_000_000, errorsAfter: 300, requestsAfter: 1_000_000))
        #expect(!tiny.worse && tiny.pValue < 0.01)
        let better = try #require(ErrorRateComparison.compare(errorsBefore: 80, requestsBefore: 1000, errorsAfter: 5, requestsAfter: 1000))
        #expect(!better.worse)
        #expect(ErrorRateComparison.compare(errorsBefore: 0, requestsBefore: 1000, errorsAfter: 0, requestsAfter: 1000)?.pValue == 1)
        #expect(ErrorRateComparison.compare(errorsBefore: 1, requestsBefore: 0, errorsAfter: 0, requestsAfter: 10) == nil)
        // More errors than requests (separate series) reads as a rate of 1, not more.
        #expect(ErrorRateComparison.compare(errorsBefore: 0, requestsBefore: 10, errorsAfter: 50, requestsAfter: 10)?.rateAfter == 1)
    }

    @Test("the rollback reason carries p95, the p-value, the error rates and the request counts")
    func evidence() {
        var impact = PerformanceOptimization.Impact(
            before: 12, after: 340.26, changePct: 2735.4, pValue: 0.00012, verdict: .regressed, requestsBefore: 500, requestsAfter: 480,
            beforeFromMs: 0, afterToMs: 1, validatedMs: 2)
        impact.errorRateBefore = 0.01
        impact.errorRateAfter = 0.2
        impact.errorPValue = 1e-9
        #expect(
            OptimizationValidator.regressionEvidence(impact)
                == "validation regressed: p95 12.0 → 340.3 ms (+2735.4%, p=0.00012), error rate 1.00% → 20.00% (p=1e-09); 500 requests before, 480 after")
    }
}

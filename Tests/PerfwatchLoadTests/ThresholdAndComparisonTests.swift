import Testing

@testable import PerfwatchLoad
import PerfwatchStatistics

@Suite struct ThresholdEvaluationTests {
    let latency = LatencySummary(p50: 20, p90: 150, p95: 300, p99: 900, max: 1200, mean: 60)

    @Test func failingLatencyThresholdGivesExitCodeOne() {
        let results = ThresholdEvaluation.evaluate(
            [Threshold(metric: .p95, limit: 200_000), Threshold(metric: .p99, limit: 1_000_000)], latency: latency, count: 100, errors: 0)
        #expect(results == [
            ThresholdResult(name: "p95", limit: 200, actual: 300, passed: false),
            ThresholdResult(name: "p99", limit: 1000, actual: 900, passed: true),
        ])
        #expect(ThresholdEvaluation.exitCode(results) == 1)
    }

    @Test func errorRateThreshold() {
        let failing = ThresholdEvaluation.evaluate([Threshold(metric: .errorRate, limit: 0.01)], latency: latency, count: 100, errors: 2)
        #expect(failing.first?.passed == false)
        #expect(failing.first?.actual == 0.02)
        let passing = ThresholdEvaluation.evaluate([Threshold(metric: .errorRate, limit: 0.01)], latency: latency, count: 100, errors: 1)
        #expect(ThresholdEvaluation.exitCode(passing) == 0)
        let empty = ThresholdEvaluation.evaluate([Threshold(metric: .errorRate, limit: 0.01)], latency: latency, count: 0, errors: 0)
        #expect(ThresholdEvaluation.exitCode(empty) == 1, "a run with no requests cannot pass")
    }
}

@Suite struct ComparisonStatisticsTests {
    /// A deterministic, skewed latency sample: `count` values around `medianMicros`.
    func sample(medianMicros: Double, count: Int) -> [ComparisonStatistics.Bucket] {
        (0..<count).map { index in
            let u = (Double(index) + 0.5) / Double(count)
            return ComparisonStatistics.Bucket(valueMicros: UInt64(medianMicros * (0.5 + u * u * 2)), count: 1)
        }
    }

    @Test func identicalRunsAreNotSignificant() throws {
        let runs = sample(medianMicros: 10_000, count: 2000)
        let result = ComparisonStatistics.compare(baseline: runs, candidate: runs)
        #expect(result.percentiles.allSatisfy { !$0.significant && $0.relativeChange == 0 })
        let test = try #require(result.mannWhitney)
        #expect(!test.significant)
        #expect(abs(test.probabilityCandidateSlower - 0.5) < 0.001)
    }

    @Test func twentyPercentSlowerIsSignificant() throws {
        let result = ComparisonStatistics.compare(
            baseline: sample(medianMicros: 10_000, count: 2000), candidate: sample(medianMicros: 12_000, count: 2000))
        let p95 = try #require(result.percentiles.first { $0.percentile == 95 })
        #expect(abs(p95.relativeChange - 0.2) < 0.01)
        #expect(p95.significant)
        let test = try #require(result.mannWhitney)
        #expect(test.significant)
        #expect(test.probabilityCandidateSlower > 0.6)
    }

    @Test func smallSamplesWithSmallShiftAreNotSignificant() throws {
        let result = ComparisonStatistics.compare(
            baseline: sample(medianMicros: 10_000, count: 8), candidate: sample(medianMicros: 10_500, count: 8))
        #expect(result.percentiles.allSatisfy { !$0.significant })
        #expect(try #require(result.mannWhitney).significant == false)
    }
}

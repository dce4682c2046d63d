import PerfwatchStatistics
import Testing

/// Reference values were computed with SciPy 1.17.1 on the same data and are hard-coded here;
/// the call that produced each is in the comment beside it.
@Suite("Robust statistics: Theil–Sen, median, MAD, robust z")
struct RobustStatisticsTests {
    func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool { abs(a - b) <= tolerance }

    @Test("Theil–Sen ignores an outlier that would tilt least squares")
    func theilSenWithOutlier() throws {
        let x: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        let y: [Double] = [2.1, 3.9, 6.2, 8.1, 9.8, 12.3, 13.9, 40.0, 18.2, 19.9]
        // scipy.stats.theilslopes(y, x, alpha=0.95, method="separate")
        //   → slope 2.0, intercept 0.05000000000000071, low 1.9333333333333336, high 2.1
        let fit = try #require(TheilSen.fit(x: x, y: y))
        #expect(close(fit.slope, 2.0))
        #expect(close(fit.intercept, 0.05000000000000071))
        #expect(close(fit.lowSlope, 1.9333333333333336))
        #expect(close(fit.highSlope, 2.1))
        #expect(fit.isSignificant)
        #expect(close(fit.value(at: 11), 22.05))
    }

    @Test("Theil–Sen with tied x and tied y: falling slope and its interval")
    func theilSenWithTies() throws {
        let x: [Double] = [0, 1, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9]
        let y: [Double] = [5, 4, 4, 6, 3, 3, 2, 2, 1, 0, 0, -1]
        // scipy.stats.theilslopes(y, x, alpha=0.95, method="separate")
        //   → slope -0.6666666666666666, intercept 4.833333333333333, low -0.75, high -0.5714285714285714
        let fit = try #require(TheilSen.fit(x: x, y: y))
        #expect(close(fit.slope, -0.6666666666666666))
        #expect(close(fit.intercept, 4.833333333333333))
        #expect(close(fit.lowSlope, -0.75))
        #expect(close(fit.highSlope, -0.5714285714285714))
        #expect(fit.isSignificant)
    }

    @Test("a flat noisy series has an interval spanning zero (not significant)")
    func theilSenFlat() throws {
        let x: [Double] = [0, 1, 2, 3, 4, 5, 6, 7]
        let y: [Double] = [5, 3, 6, 2, 5, 4, 6, 3]
        // scipy.stats.theilslopes(y, x, alpha=0.95, method="separate")
        //   → slope 0.0, intercept 4.5, low -0.6666666666666666, high 0.6666666666666666
        let fit = try #require(TheilSen.fit(x: x, y: y))
        #expect(close(fit.slope, 0))
        #expect(close(fit.intercept, 4.5))
        #expect(close(fit.lowSlope, -0.6666666666666666))
        #expect(close(fit.highSlope, 0.6666666666666666))
        #expect(!fit.isSignificant)
    }

    @Test("Theil–Sen needs two distinct x values")
    func theilSenDegenerate() {
        #expect(TheilSen.fit(x: [1], y: [2]) == nil)
        #expect(TheilSen.fit(x: [3, 3, 3], y: [1, 2, 3]) == nil)
    }

    @Test("median, MAD and robust z")
    func medianMAD() throws {
        let values: [Double] = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
        // numpy.median(v) → 4.0; scipy.stats.median_abs_deviation(v) → 1.0;
        // scipy.stats.median_abs_deviation(v, scale="normal") → 1.482602218505602
        #expect(RobustStatistics.median(values) == 4)
        #expect(RobustStatistics.mad(values) == 1)
        #expect(close(RobustStatistics.normalConsistency * 1.0, 1.482602218505602, 1e-12))
        #expect(RobustStatistics.median([4, 1, 3, 2]) == 2.5)
        #expect(RobustStatistics.median([]) == nil)
        // z of 9 against median 4 and MAD 1: 5 / 1.4826 = 3.3724…
        #expect(close(RobustStatistics.robustZ(9, median: 4, mad: 1, minScale: 0), 5 / 1.482602218505602))
        // A flat history: the floor keeps the score finite.
        #expect(RobustStatistics.robustZ(110, median: 100, mad: 0, minScale: 5) == 2)
    }
}

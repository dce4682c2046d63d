import Foundation

/// Theil–Sen robust line fit: the slope is the median of the slopes of all pairs of points,
/// so up to ~29% of the points can be outliers without moving it (unlike least squares).
///
/// Cost: all n(n−1)/2 pairwise slopes are computed and sorted — O(n² log n). That is fine
/// for the series analyzers fit (a window's buckets: tens to a few hundred points; 300
/// points are 44,850 slopes); do not feed it raw samples.
///
/// The intercept is `median(y) − slope · median(x)` and the 95% confidence interval of the
/// slope follows Sen (1968) with tie corrections — the same definitions as SciPy's
/// `scipy.stats.theilslopes(y, x, alpha=0.95, method="separate")`, which the tests check against.
public struct TheilSen: Sendable, Equatable {
    public var slope: Double
    public var intercept: Double
    /// Bounds of the slope's confidence interval.
    public var lowSlope: Double
    public var highSlope: Double

    /// The fitted value at `x`.
    public func value(at x: Double) -> Double { intercept + slope * x }

    /// True when the confidence interval excludes zero: the series really rises or falls.
    public var isSignificant: Bool { lowSlope > 0 || highSlope < 0 }

    /// Fits `y` against `x` (same length). Nil with fewer than two distinct x values.
    /// `confidence` is the two-sided level of the slope interval (0.95 by default).
    public static func fit(x: [Double], y: [Double], confidence: Double = 0.95) -> TheilSen? {
        precondition(x.count == y.count, "x and y differ in length")
        let n = x.count
        guard n >= 2 else { return nil }
        var slopes: [Double] = []
        slopes.reserveCapacity(n * (n - 1) / 2)
        for i in 0..<n {
            for j in (i + 1)..<n where x[j] != x[i] {
                slopes.append((y[j] - y[i]) / (x[j] - x[i]))
            }
        }
        guard !slopes.isEmpty else { return nil }
        slopes.sort()
        let slope = RobustStatistics.sortedMedian(slopes)!
        let intercept = RobustStatistics.median(y)! - slope * RobustStatistics.median(x)!

        // Sen (1968), eq. 2.6: the interval's ranks among the sorted slopes, from the normal
        // approximation of Kendall's S with the variance reduced for tied x and tied y.
        func tieTerm(_ values: [Double]) -> Double {
            var counts: [Double: Int] = [:]
            for value in values { counts[value, default: 0] += 1 }
            return counts.values.filter { $0 > 1 }.reduce(0) { total, k in
                let k = Double(k)
                return total + k * (k - 1) * (2 * k + 5)
            }
        }
        let ny = Double(n)
        let variance = (ny * (ny - 1) * (2 * ny + 5) - tieTerm(x) - tieTerm(y)) / 18
        let z = NormalQuantile.upper((1 - confidence) / 2)
        let sigma = variance > 0 ? variance.squareRoot() : 0
        let count = Double(slopes.count)
        let upperRank = min(Int(((count + z * sigma) / 2).rounded(.toNearestOrEven)), slopes.count - 1)
        let lowerRank = max(Int(((count - z * sigma) / 2).rounded(.toNearestOrEven)) - 1, 0)
        return TheilSen(slope: slope, intercept: intercept, lowSlope: slopes[lowerRank], highSlope: slopes[upperRank])
    }
}

/// Quantiles of the standard normal distribution.
enum NormalQuantile {
    /// The z with P(Z > z) = `tail` (tail 0.025 → 1.95996…), by bisection on erfc — exact to
    /// double precision and called once per fit.
    static func upper(_ tail: Double) -> Double {
        var low = -40.0
        var high = 40.0
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if 0.5 * erfc(middle / 2.0.squareRoot()) > tail { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}

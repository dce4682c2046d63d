/// Robust location and scale: the median, the median absolute deviation (MAD) and a z-score
/// built from them. Unlike the mean and standard deviation, one wild value (an outage spike)
/// barely moves them, so a baseline computed from them is not dragged by the anomalies it
/// has to detect.
public enum RobustStatistics {
    /// MAD × 1.4826 estimates the standard deviation of normally distributed data, so a robust
    /// z-score reads like an ordinary one (|z| > 3 is rare for normal noise).
    public static let normalConsistency = 1.482_602_218_505_602

    /// The median; the mean of the two middle values for an even count; nil when empty.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        return sortedMedian(values.sorted())
    }

    /// The median of values already sorted ascending.
    public static func sortedMedian(_ sorted: [Double]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Median absolute deviation from the median (unscaled, as `scipy.stats.median_abs_deviation`
    /// with its default `scale=1.0`); nil when empty.
    public static func mad(_ values: [Double]) -> Double? {
        guard let center = median(values) else { return nil }
        return median(values.map { abs($0 - center) })
    }

    /// (value − median) / (1.4826 · MAD), with the scale floored at `minScale` so a flat
    /// history (MAD 0) does not turn every tiny wiggle into an infinite score.
    public static func robustZ(_ value: Double, median: Double, mad: Double, minScale: Double) -> Double {
        let scale = max(mad * normalConsistency, minScale)
        guard scale > 0 else { return value == median ? 0 : (value > median ? .infinity : -.infinity) }
        return (value - median) / scale
    }
}

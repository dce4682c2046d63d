import Foundation

/// The functions over one series' samples in a range: pure, so their arithmetic is tested directly.
enum RangeFunctions {
    /// `rate`, `increase` and `delta`, Prometheus' `extrapolatedRate` (2.x): the difference between the first and
    /// last samples (counter resets added back for counters), extrapolated towards the range's edges: all the way
    /// when the gap to an edge is under 1.1 × the average sample interval, otherwise half an interval; for counters
    /// never past the point where the counter would have been zero. nil with fewer than two samples.
    static func extrapolatedRate(
        _ samples: [PromSample], rangeStartMs: Int64, rangeEndMs: Int64, isCounter: Bool, isRate: Bool
    ) -> Double? {
        guard samples.count >= 2, let first = samples.first, let last = samples.last else { return nil }
        var result = last.value - first.value
        if isCounter {
            var previous = 0.0
            for sample in samples {
                if sample.value < previous { result += previous }
                previous = sample.value
            }
        }
        var durationToStart = Double(first.timestampMs - rangeStartMs) / 1000
        let durationToEnd = Double(rangeEndMs - last.timestampMs) / 1000
        let sampledInterval = Double(last.timestampMs - first.timestampMs) / 1000
        let averageInterval = sampledInterval / Double(samples.count - 1)
        if isCounter && result > 0 && first.value >= 0 {
            let durationToZero = sampledInterval * (first.value / result)
            if durationToZero < durationToStart { durationToStart = durationToZero }
        }
        let threshold = averageInterval * 1.1
        var extrapolateTo = sampledInterval
        extrapolateTo += durationToStart < threshold ? durationToStart : averageInterval / 2
        extrapolateTo += durationToEnd < threshold ? durationToEnd : averageInterval / 2
        result *= extrapolateTo / sampledInterval
        if isRate { result /= Double(rangeEndMs - rangeStartMs) / 1000 }
        return result
    }

    /// `irate` and `idelta`: the last two samples only; `irate` treats a drop as a counter reset.
    static func instantRate(_ samples: [PromSample], isRate: Bool) -> Double? {
        guard samples.count >= 2 else { return nil }
        let last = samples[samples.count - 1]
        let previous = samples[samples.count - 2]
        var delta = last.value - previous.value
        if isRate && last.value < previous.value { delta = last.value }
        let interval = Double(last.timestampMs - previous.timestampMs) / 1000
        guard interval > 0 else { return nil }
        return isRate ? delta / interval : delta
    }

    /// Least squares over (seconds since `interceptTimeMs`, value); a constant series has slope 0 exactly.
    static func linearRegression(_ samples: [PromSample], interceptTimeMs: Int64) -> (slope: Double, intercept: Double) {
        let initial = samples[0].value
        if samples.allSatisfy({ $0.value == initial }) {
            return initial.isInfinite ? (.nan, .nan) : (0, initial)
        }
        var n = 0.0, sumX = 0.0, sumY = 0.0, sumXY = 0.0, sumX2 = 0.0
        for sample in samples {
            let x = Double(sample.timestampMs - interceptTimeMs) / 1000
            n += 1
            sumX += x
            sumY += sample.value
            sumXY += x * sample.value
            sumX2 += x * x
        }
        let covariance = sumXY - sumX * sumY / n
        let variance = sumX2 - sumX * sumX / n
        let slope = covariance / variance
        return (slope, sumY / n - slope * sumX / n)
    }

    static func deriv(_ samples: [PromSample]) -> Double? {
        guard samples.count >= 2 else { return nil }
        return linearRegression(samples, interceptTimeMs: samples[0].timestampMs).slope
    }

    static func predictLinear(_ samples: [PromSample], atMs: Int64, seconds: Double) -> Double? {
        guard samples.count >= 2 else { return nil }
        let (slope, intercept) = linearRegression(samples, interceptTimeMs: atMs)
        return slope * seconds + intercept
    }

    static func resets(_ samples: [PromSample]) -> Double {
        Double(zip(samples, samples.dropFirst()).filter { $1.value < $0.value }.count)
    }

    static func changes(_ samples: [PromSample]) -> Double {
        Double(zip(samples, samples.dropFirst()).filter { !($0.value == $1.value || ($0.value.isNaN && $1.value.isNaN)) }.count)
    }

    /// Prometheus' `avg_over_time`: a running mean (overflow-safe), falling back to the plain mean rules for Inf.
    static func average(_ values: [Double]) -> Double {
        var mean = 0.0
        var count = 0.0
        for value in values {
            count += 1
            if mean.isInfinite {
                if value.isInfinite && (mean > 0) == (value > 0) { continue }
                if !value.isInfinite && !value.isNaN { continue }
            }
            mean += value / count - mean / count
        }
        return mean
    }

    /// Population variance (Welford), as `stdvar_over_time` and the `stdvar` aggregation compute it.
    static func variance(_ values: [Double]) -> Double {
        var count = 0.0, mean = 0.0, sumSquares = 0.0
        for value in values {
            count += 1
            let delta = value - mean
            mean += delta / count
            sumSquares += delta * (value - mean)
        }
        return sumSquares / count
    }

    /// Prometheus' `quantile`: linear interpolation between the closest ranks; φ outside [0, 1] gives ∓Inf.
    static func quantile(_ phi: Double, _ values: [Double]) -> Double {
        guard !values.isEmpty, !phi.isNaN else { return .nan }
        if phi < 0 { return -.infinity }
        if phi > 1 { return .infinity }
        // Go's sort puts NaN first (vectorByValueHeap.Less).
        let sorted = values.sorted { ($0.isNaN && !$1.isNaN) || $0 < $1 }
        let rank = phi * Double(sorted.count - 1)
        let lower = max(0, Int(rank.rounded(.down)))
        let upper = min(sorted.count - 1, lower + 1)
        let weight = rank - rank.rounded(.down)
        return sorted[lower] * (1 - weight) + sorted[upper] * weight
    }

    /// `<aggregate>_over_time` by name; nil for an empty range (the series is left out).
    static func overTime(_ name: String, _ samples: [PromSample]) -> Double? {
        guard !samples.isEmpty else { return nil }
        let values = samples.map(\.value)
        switch name {
        case "avg_over_time": return average(values)
        case "min_over_time": return values.dropFirst().reduce(values[0]) { $1 < $0 || $0.isNaN ? $1 : $0 }
        case "max_over_time": return values.dropFirst().reduce(values[0]) { $1 > $0 || $0.isNaN ? $1 : $0 }
        case "sum_over_time": return values.reduce(0, +)
        case "count_over_time": return Double(values.count)
        case "stddev_over_time": return variance(values).squareRoot()
        case "stdvar_over_time": return variance(values)
        case "last_over_time": return values[values.count - 1]
        case "present_over_time": return 1
        default: return nil
        }
    }
}

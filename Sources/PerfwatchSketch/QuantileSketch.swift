#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mergeable quantile sketch with relative-error guarantees (the DDSketch family).
///
/// Positive values map to logarithmic bins `(γ^(i-1), γ^i]` with `γ = (1+α)/(1-α)`; each bin
/// answers with `2γ^i/(γ+1)`, which is within `α` relative error of every value in the bin.
/// Negative values use a mirrored store, values near zero an exact zero count. Count, sum,
/// min and max are kept exactly beside the bins. Two sketches with the same `α` merge by
/// adding bin counts, so merging is exact, associative and commutative.
///
/// ```swift
/// var sketch = QuantileSketch()
/// for latency in [12.0, 15.5, 230.0] { sketch.add(latency) }
/// sketch.quantile(0.95) // ≈ 230 within 1%
/// ```
public struct QuantileSketch: Sendable, Equatable {
    /// The guarantee we promise is 1%; bins are built slightly tighter so floating-point
    /// rounding at bin edges can never push an answer past 1%.
    public static let defaultRelativeAccuracy = 0.0099
    /// Values with smaller magnitude count as zero (far below any latency or vital we store).
    public static let minIndexableValue = 1e-9
    /// Values with larger magnitude are binned as this value (count, sum, min and max stay
    /// exact). Between `minIndexableValue` and this, a sketch needs at most about 3,400 bins,
    /// inside `DenseBinStore.maxBins`, so no value from outside can grow a sketch past what
    /// its encoding accepts (a single 1e308 once made a series unwritable).
    public static let maxIndexableValue = 1e20

    public let relativeAccuracy: Double
    let gamma: Double
    let logGamma: Double

    public private(set) var count: UInt64 = 0
    public private(set) var sum: Double = 0
    public private(set) var min: Double = .infinity
    public private(set) var max: Double = -.infinity
    private(set) var zeroCount: UInt64 = 0
    private(set) var positive = DenseBinStore()
    private(set) var negative = DenseBinStore()

    public init(relativeAccuracy: Double = QuantileSketch.defaultRelativeAccuracy) {
        precondition(relativeAccuracy > 0 && relativeAccuracy < 1)
        self.relativeAccuracy = relativeAccuracy
        gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
        logGamma = log(gamma)
    }

    public var isEmpty: Bool { count == 0 }

    /// Adds `value` `times` times. Non-finite values are ignored: validation rejects them earlier.
    public mutating func add(_ value: Double, times: UInt64 = 1) {
        guard value.isFinite, times > 0 else { return }
        if value > Self.minIndexableValue {
            positive.add(index: binIndex(Swift.min(value, Self.maxIndexableValue)), count: times)
        } else if value < -Self.minIndexableValue {
            negative.add(index: binIndex(Swift.min(-value, Self.maxIndexableValue)), count: times)
        } else {
            zeroCount = zeroCount.saturatingAdding(times)
        }
        count = count.saturatingAdding(times)
        sum += value * Double(times)
        if value < min { min = value }
        if value > max { max = value }
    }

    /// Replaces the tracked sum, min and max with exact figures known to the producer — for
    /// histograms rebuilt from bucket counts, whose bin contents are only representative values.
    public mutating func setExactStatistics(sum: Double?, min: Double?, max: Double?) {
        if let sum, sum.isFinite { self.sum = sum }
        if let min, min.isFinite { self.min = min }
        if let max, max.isFinite { self.max = max }
    }

    /// Adds every value of `other` to this sketch. Both must share the relative accuracy.
    public mutating func merge(_ other: QuantileSketch) {
        precondition(other.relativeAccuracy == relativeAccuracy, "sketches with different accuracy")
        guard other.count > 0 else { return }
        positive.merge(other.positive)
        negative.merge(other.negative)
        zeroCount = zeroCount.saturatingAdding(other.zeroCount)
        count = count.saturatingAdding(other.count)
        sum += other.sum
        if other.min < min { min = other.min }
        if other.max > max { max = other.max }
    }

    /// The value at rank `q·(count−1)` (lower nearest rank), within the relative accuracy.
    /// `q` is clamped to [0, 1]; the answer is clamped to the exact [min, max].
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let q = Swift.min(Swift.max(q, 0), 1)
        if q == 0 { return min }
        if q == 1 { return max }
        let rank = q * Double(count - 1)
        // Plain loops (no closures): this runs once per point of every percentile chart.
        // Saturating: counts come from outside (OTLP histograms) and may sum past UInt64.
        var seen: UInt64 = 0
        var answer: Double? = nil
        let negativeCounts = negative.counts
        for position in negativeCounts.indices.reversed() where negativeCounts[position] > 0 {
            seen = seen.saturatingAdding(negativeCounts[position])
            if Double(seen) > rank {
                answer = -binValue(negative.offset + Int32(position))
                break
            }
        }
        if answer == nil {
            seen = seen.saturatingAdding(zeroCount)
            if Double(seen) > rank { answer = 0 }
        }
        if answer == nil {
            let positiveCounts = positive.counts
            for position in positiveCounts.indices where positiveCounts[position] > 0 {
                seen = seen.saturatingAdding(positiveCounts[position])
                if Double(seen) > rank {
                    answer = binValue(positive.offset + Int32(position))
                    break
                }
            }
        }
        let value = answer ?? max
        return Swift.min(Swift.max(value, min), max)
    }

    func binIndex(_ magnitude: Double) -> Int32 {
        Int32((log(magnitude) / logGamma).rounded(.up))
    }

    func binValue(_ index: Int32) -> Double {
        2 * pow(gamma, Double(index)) / (gamma + 1)
    }


    init(
        relativeAccuracy: Double, count: UInt64, sum: Double, min: Double, max: Double, zeroCount: UInt64,
        positive: DenseBinStore, negative: DenseBinStore
    ) {
        self.init(relativeAccuracy: relativeAccuracy)
        self.count = count
        self.sum = sum
        self.min = min
        self.max = max
        self.zeroCount = zeroCount
        self.positive = positive
        self.negative = negative
    }

    public static func == (lhs: QuantileSketch, rhs: QuantileSketch) -> Bool {
        lhs.relativeAccuracy == rhs.relativeAccuracy && lhs.count == rhs.count
            && (lhs.sum == rhs.sum || (lhs.sum.isNaN && rhs.sum.isNaN)) && lhs.min == rhs.min && lhs.max == rhs.max
            && lhs.zeroCount == rhs.zeroCount && lhs.positive == rhs.positive && lhs.negative == rhs.negative
    }
}

extension UInt64 {
    /// `self + other`, stuck at `UInt64.max` instead of trapping: a count that large has lost
    /// nothing a percentile can show, and a trap would take the server down.
    public func saturatingAdding(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}

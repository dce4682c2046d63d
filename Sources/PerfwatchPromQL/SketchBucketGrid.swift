#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The logarithmic bin grid of Perfwatch's quantile sketches, as classic `le` bounds: positive bins `(γ^(i−1), γ^i]`,
/// the zero bin at `0`, negative bins `(−γ^i, −γ^(i−1)]`, with `γ = (1+α)/(1−α)` (computed exactly as the sketch
/// computes it, so the bounds the server writes and the bounds recognised here are the same `Double`s).
///
/// Why it is here: the server exposes sketches as `x_bucket{le=…}` series with these bounds (docs/promql.md, design
/// (a)). Prometheus' linear interpolation inside a bin `(lo, γ·lo]` can be off by `γ − 1 ≈ 2α`; a bucket group
/// whose bounds all lie on this grid is answered like the sketch answers (the bin's representative value
/// `2·lo·hi/(lo+hi)`, within α of every value in it), so `histogram_quantile` over our distributions is within 1%.
/// Labels cannot carry the mark: `sum by (le, route)` drops every other label, but keeps `le`.
public struct SketchBucketGrid: Sendable, Hashable {
    public let relativeAccuracy: Double
    public let gamma: Double
    let logGamma: Double

    public init(relativeAccuracy: Double) {
        precondition(relativeAccuracy > 0 && relativeAccuracy < 1)
        self.relativeAccuracy = relativeAccuracy
        gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
        logGamma = log(gamma)
    }

    /// The upper bound of positive bin `index`: `γ^index`.
    public func positiveUpperBound(_ index: Int32) -> Double { pow(gamma, Double(index)) }

    /// The upper bound of negative bin `index` (magnitudes in `(γ^(index−1), γ^index]`): `−γ^(index−1)`.
    public func negativeUpperBound(_ index: Int32) -> Double { -pow(gamma, Double(index - 1)) }

    /// The bin index whose representative value `2γ^i/(γ+1)` is `representative` (positive magnitudes).
    public func index(ofRepresentative representative: Double) -> Int32 {
        Int32((log(Swift.abs(representative) * (gamma + 1) / 2) / logGamma).rounded())
    }

    /// `γ^k` for an integer `k` (or `−γ^k`), exactly as `positiveUpperBound` computes it.
    public func gridExponent(of bound: Double) -> Int32? {
        guard bound.isFinite, bound != 0 else { return nil }
        let magnitude = Swift.abs(bound)
        let exponent = (log(magnitude) / logGamma).rounded()
        guard Swift.abs(exponent) < 10_000, pow(gamma, exponent) == magnitude else { return nil }
        return Int32(exponent)
    }

    /// True when every finite bound is `0` or `±γ^k` and at least one is `±γ^k` with `k ≠ 0` (the server always
    /// writes the bound below the lowest non-empty bin too, so a sketch's group has one; a classic histogram whose
    /// only bounds are 0 and 1 keeps the linear interpolation).
    func recognises(_ bounds: [Double]) -> Bool {
        var sawNonUnit = false
        for bound in bounds where bound.isFinite {
            if bound == 0 { continue }
            guard let exponent = gridExponent(of: bound) else { return false }
            if exponent != 0 { sawNonUnit = true }
        }
        return sawNonUnit
    }

    /// The sketch's answer for a bucket whose upper bound is `upper`: the representative value of the one bin
    /// that ends there (a bucket may span empty bins below it; only its top bin holds observations).
    func representative(upper: Double) -> Double {
        if upper > 0 { return 2 * upper / (gamma + 1) }
        if upper < 0 { return upper * 2 * gamma / (gamma + 1) }
        return 0
    }
}

/// Conversions for numbers that come from outside (request parameters, payloads, files).
///
/// The rule (docs/architecture.md, "Numbers from outside"): a number a client sent is never
/// converted with a trapping initializer (`Int64(someDouble)`) or combined with a trapping
/// operator (`+`, `*`). It is converted with `Int64(exactly:)` or one of these saturating
/// helpers, combined with `…ReportingOverflow`, or rejected with a 400 naming it.
extension Int64 {
    /// The integer nearest to `value` (rounded toward zero), saturated to `Int64.min...Int64.max`;
    /// nil for NaN. `Int64(1e20)` traps; this answers `Int64.max`.
    public init?(saturating value: Double) {
        guard !value.isNaN else { return nil }
        // 2^63 is exactly representable as a Double; Int64.max is not (it rounds up to 2^63).
        if value >= 9_223_372_036_854_775_808.0 {
            self = .max
        } else if value <= -9_223_372_036_854_775_808.0 {
            self = .min
        } else {
            self.init(value)
        }
    }

    /// `self * factor`, saturated instead of trapping on overflow.
    public func saturatingMultiplied(by factor: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: factor)
        guard overflow else { return product }
        return (self < 0) != (factor < 0) ? .min : .max
    }

    /// `self + other`, saturated instead of trapping on overflow.
    public func saturatingAdding(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other < 0 ? .min : .max
    }

    /// `self - other`, saturated instead of trapping on overflow.
    public func saturatingSubtracting(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        guard overflow else { return difference }
        return other > 0 ? .min : .max
    }

    /// Unix milliseconds as unix nanoseconds, saturated (spans are stored in ns; times outside
    /// `TimeParsing.representableMs` would overflow).
    public var msToNs: Int64 { saturatingMultiplied(by: 1_000_000) }
}

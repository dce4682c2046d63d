import PerfwatchSketch
import Testing

/// Values and counts from outside must never make a sketch unusable (issue 13: one request with
/// 5e-324 and 1e308 made a series answer 503 on every later write, across restarts).
@Suite("Quantile sketch bounds")
struct QuantileSketchBoundsTests {
    @Test("extreme values keep the sketch encodable and its percentiles within 1% for ordinary values")
    func extremeValuesStayEncodable() throws {
        var sketch = QuantileSketch()
        for _ in 0..<100 { sketch.add(10) }
        sketch.add(5e-324)
        sketch.add(1e308)
        sketch.add(-1e308)
        sketch.add(.leastNonzeroMagnitude)
        let decoded = try QuantileSketch(encoded: sketch.encoded())
        #expect(decoded == sketch)
        #expect(decoded.count == 104)
        let p50 = try #require(decoded.quantile(0.5))
        #expect(abs(p50 - 10) / 10 <= 0.01)
        // max and min stay exact even though the bins saturate at maxIndexableValue.
        #expect(decoded.quantile(1) == 1e308)
        #expect(decoded.quantile(0) == -1e308)
    }

    @Test("a sketch merged with a far-away range stays within the bin bound")
    func mergeOfDistantRangesStaysEncodable() throws {
        var low = QuantileSketch()
        low.add(1.1e-9)
        var high = QuantileSketch()
        high.add(1e20)
        low.merge(high)
        high.merge(low)
        // The encoder refuses stores over the bound; encoding and decoding both succeed.
        _ = try QuantileSketch(encoded: low.encoded())
        _ = try QuantileSketch(encoded: high.encoded())
        #expect(low.count == 2 && high.count == 3)
    }

    @Test("counts near UInt64.max saturate instead of trapping")
    func hugeCountsSaturate() throws {
        var sketch = QuantileSketch()
        sketch.add(5, times: UInt64.max - 1)
        sketch.add(5, times: 10)
        sketch.add(0, times: UInt64.max)
        var other = sketch
        other.merge(sketch)
        #expect(other.count == UInt64.max)
        #expect(other.quantile(0.99) != nil)
        _ = try QuantileSketch(encoded: other.encoded())
    }
}

import PerfwatchSketch
import PerfwatchTesting
import Testing

@Suite("Quantile sketch encoding")
struct QuantileSketchEncodingTests {
    @Test("encoding round-trips exactly", arguments: TestDistribution.allCases)
    func roundTrip(distribution: TestDistribution) throws {
        var sketch = QuantileSketch()
        for value in distribution.values(count: 5000, seed: 7) { sketch.add(value) }
        sketch.add(-3.5)
        let decoded = try QuantileSketch(encoded: sketch.encoded())
        #expect(decoded == sketch)
        #expect(decoded.quantile(0.99) == sketch.quantile(0.99))
    }

    @Test("an empty sketch round-trips")
    func emptyRoundTrip() throws {
        let decoded = try QuantileSketch(encoded: QuantileSketch().encoded())
        #expect(decoded.isEmpty)
    }

    @Test("truncated or foreign bytes are refused, not crashed on")
    func corrupt() {
        var sketch = QuantileSketch()
        for value in [1.0, 10, 100] { sketch.add(value) }
        let bytes = sketch.encoded()
        for length in 0..<bytes.count {
            #expect(throws: QuantileSketch.DecodingError.self) { try QuantileSketch(encoded: Array(bytes.prefix(length))) }
        }
        #expect(throws: QuantileSketch.DecodingError.self) { try QuantileSketch(encoded: [9, 1, 2, 3]) }
    }

    @Test("a 1-minute latency bucket stays small")
    func compactness() {
        var sketch = QuantileSketch()
        for value in TestDistribution.logNormal.values(count: 10_000, seed: 3) { sketch.add(value) }
        #expect(sketch.encoded().count < 1200)
    }
}

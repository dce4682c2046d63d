import PerfwatchSketch
import PerfwatchTesting
import Testing

@Suite("Quantile sketch accuracy")
struct QuantileSketchAccuracyTests {
    static let quantiles = [0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0]

    @Test("every quantile within 1% of the exact value", arguments: TestDistribution.allCases, [1, 7, 1000, 20_000])
    func accuracy(distribution: TestDistribution, count: Int) {
        let values = distribution.values(count: count, seed: UInt64(count) &* 31 &+ UInt64(distribution.hashValue & 0xffff))
        var sketch = QuantileSketch()
        for value in values { sketch.add(value) }
        let sorted = values.sorted()
        for q in Self.quantiles {
            let estimate = sketch.quantile(q)!
            let exact = exactQuantile(sorted, q)
            #expect(relativeError(estimate, exact) <= 0.01, "\(distribution) n=\(count) q=\(q): \(estimate) vs \(exact)")
        }
        #expect(sketch.count == UInt64(count))
        #expect(sketch.min == sorted.first)
        #expect(sketch.max == sorted.last)
        #expect(abs(sketch.sum - values.reduce(0, +)) <= 1e-9 * abs(values.reduce(0, +)) + 1e-9)
    }

    @Test("negative values keep their sign and accuracy")
    func negatives() {
        var sketch = QuantileSketch()
        let values = (1...1000).map { Double($0) - 500.5 }
        for value in values { sketch.add(value) }
        let sorted = values.sorted()
        for q in Self.quantiles {
            #expect(relativeError(sketch.quantile(q)!, exactQuantile(sorted, q)) <= 0.01)
        }
    }

    @Test("an empty sketch has no quantile")
    func empty() {
        #expect(QuantileSketch().quantile(0.5) == nil)
    }

    @Test("a merge of parts answers like one sketch of everything, in any order")
    func mergeAssociativity() {
        let parts = (0..<5).map { TestDistribution.logNormal.values(count: 3000, seed: UInt64($0)) }
        let sketches = parts.map { values -> QuantileSketch in
            var sketch = QuantileSketch()
            for value in values { sketch.add(value) }
            return sketch
        }
        var leftToRight = QuantileSketch()
        for sketch in sketches { leftToRight.merge(sketch) }
        var rightToLeft = QuantileSketch()
        for sketch in sketches.reversed() { rightToLeft.merge(sketch) }
        var pairwise = sketches[0]
        var tail = sketches[3]
        tail.merge(sketches[4])
        var middle = sketches[1]
        middle.merge(sketches[2])
        middle.merge(tail)
        pairwise.merge(middle)
        var whole = QuantileSketch()
        for value in parts.flatMap({ $0 }) { whole.add(value) }
        for q in Self.quantiles {
            #expect(leftToRight.quantile(q) == whole.quantile(q))
            #expect(rightToLeft.quantile(q) == whole.quantile(q))
            #expect(pairwise.quantile(q) == whole.quantile(q))
        }
        #expect(leftToRight.count == whole.count)
    }

    @Test("values spanning 1e-6 … 1e9 collapse nothing and stay accurate")
    func wideRange() {
        var sketch = QuantileSketch()
        var values: [Double] = []
        var value = 1e-6
        while value < 1e9 {
            values.append(value)
            value *= 1.7
        }
        for v in values { sketch.add(v) }
        let sorted = values.sorted()
        for q in Self.quantiles { #expect(relativeError(sketch.quantile(q)!, exactQuantile(sorted, q)) <= 0.01) }
    }
}

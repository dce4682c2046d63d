import PerfwatchQuery
import PerfwatchSketch
import Testing

@Suite("BinnedDistribution")
struct BinnedDistributionTests {
    @Test("its quantile is the sketch's own: the validator's p75 and its rank test read the same bins")
    func quantileMatchesSketch() {
        var sketch = QuantileSketch()
        for value in stride(from: 120.0, through: 4000.0, by: 7.5) { sketch.add(value, times: value > 2500 ? 3 : 1) }
        let binned = BinnedDistribution(bins: sketch.bins, count: sketch.count, sum: sketch.sum)
        for q in [0.01, 0.25, 0.5, 0.75, 0.9, 0.99] {
            let expected = sketch.quantile(q)!
            #expect(abs(binned.quantile(q)! - expected) <= expected * 0.02, "q=\(q)")
        }
        #expect(BinnedDistribution(bins: [], count: 0, sum: 0).quantile(0.75) == nil)
        #expect(BinnedDistribution(bins: [(value: 5, count: 1), (value: 9, count: 3)], count: 4, sum: 32).quantile(0.75) == 9)
        #expect(BinnedDistribution(bins: [(value: 5, count: 3), (value: 9, count: 1)], count: 4, sum: 24).quantile(0.5) == 5)
    }
}

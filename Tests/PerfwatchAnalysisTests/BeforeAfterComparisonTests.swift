import Foundation
import PerfwatchSketch
import PerfwatchStatistics
import PerfwatchTesting
import Testing

/// The rank test as the regression analyzer and the optimization validator use it: over
/// binned distributions (sketch bins) rather than raw values.
@Suite("Before/after comparison over bins")
struct BeforeAfterComparisonTests {
    @Test("known value: complete separation of 5 and 5 values gives the textbook normal-approximation p")
    func knownValue() throws {
        let before = (1...5).map { (value: Double($0), count: UInt64(1)) }
        let after = (6...10).map { (value: Double($0), count: UInt64(1)) }
        let result = try #require(BeforeAfterComparison.compare(before: before, after: after, alpha: 0.05, minChange: 0.1))
        // U = 0, mean 12.5, variance 25·11/12; z = (0 − 12.5 + 0.5)/√22.917 = −2.5067 → p = 0.01219.
        #expect(abs(result.pValue - 0.01219) < 0.0001)
        #expect(result.probabilityAfterSlower == 1)
        #expect(result.before == 5 && result.after == 10)
        #expect(result.verdict == .regressed)
        // Swapped sides: the mirror verdict, the same p.
        let reversed = try #require(BeforeAfterComparison.compare(before: after, after: before, alpha: 0.05, minChange: 0.1))
        #expect(reversed.verdict == .improved && abs(reversed.pValue - result.pValue) < 1e-12)
    }

    @Test("counts in bins are ties: a bin of n equal values ranks like n separate equal values")
    func binsAreTies() throws {
        let grouped = try #require(
            BeforeAfterComparison.compare(before: [(10, 3), (20, 2)], after: [(20, 1), (30, 4)], alpha: 0.05, minChange: 0))
        let separate = try #require(
            BeforeAfterComparison.compare(
                before: [(10, 1), (10, 1), (10, 1), (20, 1), (20, 1)], after: [(20, 1), (30, 1), (30, 1), (30, 1), (30, 1)],
                alpha: 0.05, minChange: 0))
        #expect(grouped == separate)
        // Hand-computed: ranks 1–3 (10s), 4–6 avg 5 (20s), 7–10 (30s); R_before = 6 + 10 = 16, U = 16 − 15 = 1.
        // Tie term (27−3)+(27−3)+(64−4) = 108; var = 25/12·(11 − 108/90) = 20.4167; z = (1 − 12.5 + 0.5)/4.5185 = −2.4344.
        #expect(abs(grouped.pValue - 0.01492) < 0.0002)
    }

    @Test("sketch bins give the same answer as the raw values, within the sketch's accuracy")
    func sketchBinsMatchRawValues() throws {
        var generator = SeededGenerator(seed: 5)
        func sample(_ median: Double) -> [Double] {
            (0..<800).map { _ in median * exp(0.4 * gaussian(&generator)) }
        }
        for (shift, expected) in [(1.0, BeforeAfterComparison.Verdict.noChange), (1.3, .regressed), (0.7, .improved)] {
            let before = sample(50)
            let after = sample(50 * shift)
            var beforeSketch = QuantileSketch()
            var afterSketch = QuantileSketch()
            before.forEach { beforeSketch.add($0) }
            after.forEach { afterSketch.add($0) }
            let binned = try #require(BeforeAfterComparison.compare(before: beforeSketch.bins, after: afterSketch.bins))
            let raw = try #require(
                BeforeAfterComparison.compare(before: before.map { ($0, 1) }, after: after.map { ($0, 1) }))
            #expect(binned.verdict == expected)
            #expect(raw.verdict == expected)
            #expect(binned.countBefore == 800 && binned.countAfter == 800)
            #expect(abs(binned.probabilityAfterSlower - raw.probabilityAfterSlower) < 0.01)
            #expect(abs(binned.before / raw.before - 1) < 0.011 && abs(binned.after / raw.after - 1) < 0.011)
        }
    }

    @Test("no data on a side: no comparison")
    func empty() {
        #expect(BeforeAfterComparison.compare(before: [], after: [(1, 1)]) == nil)
    }
}

func gaussian(_ generator: inout SeededGenerator) -> Double {
    let u1 = max(Double(generator.next() >> 11) / Double(1 << 53), 1e-12)
    let u2 = Double(generator.next() >> 11) / Double(1 << 53)
    return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
}

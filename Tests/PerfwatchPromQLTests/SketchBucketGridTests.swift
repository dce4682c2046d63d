import PerfwatchPromQL
import Testing

@Suite("histogram_quantile over sketch bins (SketchBucketGrid)")
struct SketchBucketGridTests {
    static let grid = SketchBucketGrid(relativeAccuracy: 0.0099)

    func engine(_ series: [PromSeries], grid: SketchBucketGrid?) -> PromQLEngine {
        var options = EngineOptions()
        options.sketchGrid = grid
        return PromQLEngine(source: InMemorySeriesSource(series: series), options: options)
    }

    /// `x_bucket` series at one time from `(bound, cumulative count)` pairs plus `+Inf`.
    func buckets(_ pairs: [(Double, Double)], total: Double) -> [PromSeries] {
        (pairs.map { (PromFormat.value($0.0), $0.1) } + [("+Inf", total)]).map { le, count in
            PromSeries(labels: Labels(["__name__": "x_bucket", "le": le]), samples: [PromSample(timestampMs: 0, value: count)])
        }
    }

    func quantile(_ phi: Double, _ series: [PromSeries], grid: SketchBucketGrid?) async throws -> Double {
        guard case .vector(let result) = try await engine(series, grid: grid).evaluate("histogram_quantile(\(phi), x_bucket)", atMs: 0) else {
            Issue.record("not a vector")
            return .nan
        }
        return result.first?.value ?? .nan
    }

    @Test("the grid's own bounds are recognised; classic bounds, and a lone le=1, are not")
    func recognition() throws {
        let g = Self.grid
        #expect(g.gridExponent(of: g.positiveUpperBound(37)) == 37)
        #expect(g.gridExponent(of: g.negativeUpperBound(5)) == 4)
        #expect(g.gridExponent(of: 0.25) == nil)
        #expect(g.gridExponent(of: 1) == 0)
        // Formatting as the API writes `le` and parsing back gives the same Double.
        let bound = g.positiveUpperBound(-213)
        #expect(Double(PromFormat.value(bound)) == bound)
    }

    @Test("a sketch bin answers with its representative value, where linear interpolation answers another")
    func sketchAnswer() async throws {
        let g = Self.grid
        // 100 observations, all in bin 120 (just below it bin 119, empty).
        let series = buckets([(g.positiveUpperBound(119), 0), (g.positiveUpperBound(120), 100)], total: 100)
        let representative = 2 * g.positiveUpperBound(120) / (g.gamma + 1)
        let sketch = try await quantile(0.01, series, grid: g)
        #expect(abs(sketch - representative) / representative < 1e-12)
        let classic = try await quantile(0.01, series, grid: nil)
        let low = g.positiveUpperBound(119)
        #expect(abs(classic - (low + (g.positiveUpperBound(120) - low) * 0.01)) < 1e-9)
        #expect(abs(classic - representative) / representative > 0.009)
    }

    @Test("classic buckets keep Prometheus' linear interpolation even with the grid set")
    func classicUnchanged() async throws {
        let series = buckets([(0.1, 10), (0.25, 30), (1, 90)], total: 100)
        // rank 50 falls in (0.25, 1]: 0.25 + 0.75 * (20 / 60).
        let expected = 0.25 + 0.75 * (20.0 / 60.0)
        #expect(abs(try await quantile(0.5, series, grid: Self.grid) - expected) < 1e-12)
        let onlyUnit = buckets([(1, 10)], total: 10)
        #expect(abs(try await quantile(0.5, onlyUnit, grid: Self.grid) - 0.5) < 1e-12)
    }

    @Test("the zero bin answers 0 and negative bins their representative")
    func zeroAndNegative() async throws {
        let g = Self.grid
        let negativeTop = g.negativeUpperBound(10)  // −γ^9, bin (−γ^10, −γ^9]
        let below = g.negativeUpperBound(11)
        let series = buckets([(below, 0), (negativeTop, 40), (0, 60)], total: 100)
        let representative = -2 * g.positiveUpperBound(10) / (g.gamma + 1)
        #expect(abs(try await quantile(0.2, series, grid: g) - representative) / abs(representative) < 1e-12)
        #expect(try await quantile(0.5, series, grid: g) == 0)
    }
}

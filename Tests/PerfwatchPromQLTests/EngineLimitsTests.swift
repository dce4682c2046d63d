import PerfwatchPromQL
import Testing

/// The engine's limits (samples, deadline, points per series, step) and how it talks to its source.
@Suite struct EngineLimitsTests {
    static func counter(points: Int, everyMs: Int64 = 60_000, name: String = "foo") -> PromSeries {
        PromSeries(
            labels: Labels(["__name__": name]),
            samples: (0..<points).map { PromSample(timestampMs: Int64($0) * everyMs, value: Double($0)) })
    }

    @Test func tooManySamplesIsAnExecutionError() async throws {
        var options = EngineOptions()
        options.maxSamples = 10
        let engine = PromQLEngine(source: InMemorySeriesSource(series: [Self.counter(points: 20)]), options: options)
        await #expect(throws: PromQLError.execution("query processing would load too many samples into memory in query execution")) {
            _ = try await engine.evaluate("sum_over_time(foo[1h])", atMs: 19 * 60_000)
        }
        // Five fetched samples are within the limit.
        let small = try await engine.evaluate("sum_over_time(foo[4m])", atMs: 19 * 60_000)
        guard case .vector(let elements) = small else { Issue.record("not a vector"); return }
        #expect(elements.map(\.value) == [85], "15 + 16 + 17 + 18 + 19")
    }

    @Test func rangeQueryPointsCountTowardsTheLimit() async throws {
        var options = EngineOptions()
        options.maxSamples = 40
        let engine = PromQLEngine(source: InMemorySeriesSource(series: [Self.counter(points: 31)]), options: options)
        // 31 samples fetched are within 40; one more point per step (31 steps) is not.
        await #expect(throws: PromQLError.tooManySamplesForTests) {
            _ = try await engine.evaluate("foo", startMs: 0, endMs: 30 * 60_000, stepMs: 60_000)
        }
        await #expect(throws: PromQLError.tooManySamplesForTests) {
            _ = try await engine.evaluate("max_over_time(foo[30m:1m])", atMs: 30 * 60_000)
        }
    }

    @Test func deadline() async throws {
        var options = EngineOptions()
        options.timeout = .zero
        let engine = PromQLEngine(source: InMemorySeriesSource(series: [Self.counter(points: 5)]), options: options)
        do {
            _ = try await engine.evaluate("rate(foo[5m])", startMs: 0, endMs: 3_600_000, stepMs: 1000)
            Issue.record("no timeout")
        } catch let error as PromQLError {
            guard case .timeout = error else { Issue.record("wrong error \(error)"); return }
        }
        // A source slower than the budget times the query out too.
        options.timeout = .milliseconds(20)
        let slow = PromQLEngine(source: SlowSource(delay: .milliseconds(100)), options: options)
        do {
            _ = try await slow.evaluate("foo", atMs: 0)
            Issue.record("no timeout")
        } catch let error as PromQLError {
            guard case .timeout = error else { Issue.record("wrong error \(error)"); return }
        }
    }

    @Test func elevenThousandPointsRule() async throws {
        let engine = PromQLEngine(source: InMemorySeriesSource(series: []))
        // (end - start) / step = 11,000 is the most Prometheus accepts.
        let ok = try await engine.evaluate("1", startMs: 0, endMs: 11_000_000, stepMs: 1000)
        guard case .matrix(let series) = ok else { Issue.record("not a matrix"); return }
        #expect(series.first?.samples.count == 11_001)
        await #expect(throws: PromQLError.badData("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")) {
            _ = try await engine.evaluate("1", startMs: 0, endMs: 11_001_000, stepMs: 1000)
        }
        for step in [Int64(0), -1000] {
            do {
                _ = try await engine.evaluate("1", startMs: 0, endMs: 10_000, stepMs: step)
                Issue.record("step \(step) accepted")
            } catch let error as PromQLError {
                guard case .badData = error else { Issue.record("wrong error \(error)"); return }
            }
        }
    }

    @Test func syntaxErrorsComeFromTheEngineToo() async {
        let engine = PromQLEngine(source: InMemorySeriesSource(series: []))
        await #expect(throws: PromQLError.syntax(position: SourcePosition(line: 1, column: 17), message: "unexpected \")\"")) {
            _ = try await engine.evaluate("sum(rate(x[5m])))", atMs: 0)
        }
    }

    /// One call per distinct selector, for the union of every step's window (offset, range and lookback included).
    @Test func sourceIsAskedOncePerSelector() async throws {
        let source = RecordingSource(series: [Self.counter(points: 61)])
        let engine = PromQLEngine(source: source)
        _ = try await engine.evaluate("rate(foo[5m]) + foo offset 1h", startMs: 0, endMs: 3_600_000, stepMs: 60_000)
        let calls = await source.calls
        #expect(calls.count == 1)
        #expect(calls.first?.fromMs == -3_900_000)
        #expect(calls.first?.toMs == 3_600_000)
    }

    @Test func staleMarkerIsOneNaNOnly() async throws {
        #expect(StaleMarker.isStale(Double(bitPattern: 0x7ff0_0000_0000_0002)))
        #expect(!StaleMarker.isStale(.nan))
        let series = PromSeries(labels: Labels(["__name__": "m"]), samples: [
            PromSample(timestampMs: 0, value: .nan), PromSample(timestampMs: 60_000, value: StaleMarker.value),
        ])
        let engine = PromQLEngine(source: InMemorySeriesSource(series: [series]))
        guard case .vector(let atZero) = try await engine.evaluate("m", atMs: 30_000) else { Issue.record("not a vector"); return }
        #expect(atZero.count == 1 && atZero[0].value.isNaN, "an ordinary NaN is a value")
        guard case .vector(let afterStale) = try await engine.evaluate("m", atMs: 90_000) else { Issue.record("not a vector"); return }
        #expect(afterStale.isEmpty, "the stale marker ends the series")
    }

    @Test func instantResultsCarryTheEvaluationTime() async throws {
        let engine = PromQLEngine(source: InMemorySeriesSource(series: [Self.counter(points: 3)]))
        guard case .vector(let elements) = try await engine.evaluate("foo", atMs: 150_000) else { Issue.record("not a vector"); return }
        #expect(elements.map(\.timestampMs) == [150_000])
        #expect(elements.map(\.value) == [2])
    }
}

extension PromQLError {
    static let tooManySamplesForTests = PromQLError.execution("query processing would load too many samples into memory in query execution")
}

struct SlowSource: PromSeriesSource {
    let delay: Duration
    func select(_ matchers: [LabelMatcher], fromMs: Int64, toMs: Int64) async throws -> [PromSeries] {
        try await Task.sleep(for: delay)
        return []
    }
}

actor RecordingSource: PromSeriesSource {
    struct Call {
        let matchers: [LabelMatcher]
        let fromMs: Int64
        let toMs: Int64
    }

    let inner: InMemorySeriesSource
    private(set) var calls: [Call] = []

    init(series: [PromSeries]) { inner = InMemorySeriesSource(series: series) }

    func select(_ matchers: [LabelMatcher], fromMs: Int64, toMs: Int64) async throws -> [PromSeries] {
        calls.append(Call(matchers: matchers, fromMs: fromMs, toMs: toMs))
        return try await inner.select(matchers, fromMs: fromMs, toMs: toMs)
    }
}

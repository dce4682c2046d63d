public import Foundation
internal import Histogram

/// The JSON report written by `--out` and pushed by `--server`; format in docs/formats/load-run.md.
public struct LoadReport: Sendable, Codable, Equatable {
    public var name: String
    /// The YAML text, or the quick-mode description.
    public var scenario: String
    public var startMs: Int64
    public var endMs: Int64
    public var settings: LoadSettings
    public var requests: [RequestReport]
    /// All requests together.
    public var total: RequestReport
    public var series: [SeriesPoint]
    public var thresholds: [ThresholdResult]
    public var dropped: Int
    public var abandoned: Int
    public var iterations: Int
    public var achievedArrivalRate: Double?
    public var interrupted: Bool
    /// All thresholds passed.
    public var passed: Bool

    public init(_ result: LoadResult) {
        name = result.name
        scenario = result.sourceText
        startMs = Int64(result.startDate.timeIntervalSince1970 * 1000)
        endMs = startMs + Int64(result.elapsed * 1000)
        settings = result.settings
        // Rates over the planned length: the drain of the last responses is not run time.
        let seconds = result.interrupted ? result.elapsed : max(result.elapsed, Double(result.settings.durationMs) / 1000)
        requests = result.requests.map { RequestReport($0, elapsed: seconds) }
        total = RequestReport(result.total, elapsed: seconds)
        series = result.series
        thresholds = ThresholdEvaluation.evaluate(result.thresholds, latency: total.latency, count: total.count, errors: total.errors)
        dropped = result.dropped
        abandoned = result.abandoned
        iterations = result.iterations
        achievedArrivalRate = result.achievedArrivalRate
        interrupted = result.interrupted
        passed = thresholds.allSatisfy(\.passed)
    }

    /// 1 when a threshold failed, else 0.
    public var exitCode: Int32 { ThresholdEvaluation.exitCode(thresholds) }

    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)) ?? Data()
    }

    public func write(to path: String) throws(LoadError) {
        do {
            try json().write(to: URL(fileURLWithPath: path))
        } catch {
            throw LoadError(.io, "cannot write report to \(path): \(error.localizedDescription)")
        }
    }
}

/// Figures of one request name.
public struct RequestReport: Sendable, Codable, Equatable {
    public var name: String
    public var count: Int
    public var errors: Int
    /// `connect`, `timeout`, `status`, `expectation`, `network` → count (zero entries omitted).
    public var errorsByKind: [String: Int]
    /// Requests per second over the run.
    public var rate: Double
    /// Milliseconds from the intended start (coordinated-omission corrected).
    public var latency: LatencySummary
    /// Milliseconds from the actual send.
    public var uncorrected: LatencySummary
    /// Corrected latency distribution: `[valueMicros, count]` per non-empty HDR bucket
    /// (value = highest value equivalent to the bucket), ascending.
    public var histogram: [[UInt64]]

    init(_ stats: RequestStats, elapsed: Double) {
        name = stats.name
        count = stats.count
        errors = stats.errorCount
        errorsByKind = Dictionary(uniqueKeysWithValues: RequestErrorKind.allCases.compactMap { kind in
            stats.errors(kind) > 0 ? (kind.name, stats.errors(kind)) : nil
        })
        rate = elapsed > 0 ? Double(stats.count) / elapsed : 0
        latency = LatencySummary(stats.corrected)
        uncorrected = LatencySummary(stats.uncorrected)
        histogram = stats.corrected.recordedValues().map { [$0.value, $0.count] }
    }
}

/// Percentiles in milliseconds.
public struct LatencySummary: Sendable, Codable, Equatable {
    public var p50: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double
    public var max: Double
    public var mean: Double

    public init(p50: Double, p90: Double, p95: Double, p99: Double, max: Double, mean: Double) {
        self.p50 = p50
        self.p90 = p90
        self.p95 = p95
        self.p99 = p99
        self.max = max
        self.mean = mean
    }

    init(_ histogram: LatencyHistogram) {
        guard histogram.totalCount > 0 else {
            self.init(p50: 0, p90: 0, p95: 0, p99: 0, max: 0, mean: 0)
            return
        }
        let ms = { (micros: UInt64) in Double(micros) / 1000 }
        self.init(
            p50: ms(histogram.valueAtPercentile(50)), p90: ms(histogram.valueAtPercentile(90)),
            p95: ms(histogram.valueAtPercentile(95)), p99: ms(histogram.valueAtPercentile(99)),
            max: ms(histogram.max), mean: histogram.mean / 1000)
    }
}

/// Finds anomalous stretches in an evenly bucketed series against a robust baseline.
///
/// Baseline for bucket `i` (only buckets before `i`, so a detection never looks ahead):
/// - **hour of week** — the median and MAD of past buckets at the same hour of the same
///   weekday, once the series holds at least `weeklyHistory` (14 days) before the bucket;
/// - **hour of day** — past buckets at the same hour of any day, once it holds `dailyHistory`
///   (3 days);
/// - **rolling** — otherwise, the `rollingBuckets` buckets just before it.
/// A seasonal key needs `minBaselinePoints` past values; with coarse buckets (hourly: one value
/// per week per key) the neighbouring hours are pooled in before falling to the next tier.
///
/// Score: the robust z-score (value − median) / (1.4826·MAD), with the scale floored at
/// `minRelativeScale` of the median and at `minAbsoluteScale` (a flat history must not make
/// noise look infinite).
/// A bucket is anomalous when |z| ≥ `threshold` in the watched direction and the value differs
/// from the median by at least `minRelativeChange`; a run of at least `minBuckets`
/// consecutive anomalous buckets is reported (one bad bucket is not an incident).
/// Missing buckets (nil) neither count nor break a run's baseline; they end a run.
public struct RobustAnomalyDetector: Sendable {
    public enum Direction: String, Sendable { case up, down, both }

    public enum Baseline: String, Sendable { case hourOfWeek = "hour_of_week", hourOfDay = "hour_of_day", rolling }

    public struct Anomaly: Sendable, Equatable {
        /// Bucket indexes, inclusive.
        public var first: Int
        public var last: Int
        /// Median of the baselines over the run, and median of the values.
        public var expected: Double
        public var actual: Double
        /// The largest |z| in the run, signed.
        public var peakScore: Double
        public var baseline: Baseline
    }

    public var threshold = 4.0
    public var minBuckets = 2
    public var direction = Direction.up
    public var minRelativeChange = 0.25
    public var minRelativeScale = 0.05
    /// An absolute floor on the scale, for ratios whose normal is 0 (an error rate of 0 with
    /// MAD 0 would make a single failure infinitely anomalous).
    public var minAbsoluteScale = 0.0
    /// For counts: floor the scale at √median too (Poisson noise), so a route with 20 requests an
    /// hour is not anomalous at 30.
    public var countNoiseFloor = false
    public var rollingBuckets = 24
    public var minBaselinePoints = 6
    public var weeklyHistoryMs: Int64 = 14 * 86_400_000
    public var dailyHistoryMs: Int64 = 3 * 86_400_000

    public init() {}

    /// `values[i]` is the bucket starting at `startMs + i·stepMs` (UTC). Buckets before
    /// `evaluateFrom` are history only.
    public func detect(_ values: [Double?], startMs: Int64, stepMs: Int64, evaluateFrom: Int = 0) -> [Anomaly] {
        precondition(stepMs > 0, "step must be positive")
        let hourMs: Int64 = 3_600_000
        let bucketsPerDay = max(1, Int(86_400_000 / stepMs))
        let bucketsPerWeek = bucketsPerDay * 7
        // Past values per seasonal key, filled as the scan moves forward.
        var byHourOfWeek: [Int: [Double]] = [:]
        var byHourOfDay: [Int: [Double]] = [:]
        var firstDataMs: Int64? = nil
        var anomalies: [Anomaly] = []
        var run: [(index: Int, value: Double, expected: Double, z: Double, baseline: Baseline)] = []

        func seasonal(_ table: [Int: [Double]], _ key: Int, period: Int) -> [Double]? {
            let exact = table[key] ?? []
            if exact.count >= minBaselinePoints { return exact }
            let pooled = exact + (table[(key + period - 1) % period] ?? []) + (table[(key + 1) % period] ?? [])
            return pooled.count >= minBaselinePoints ? pooled : nil
        }

        func closeRun() {
            if run.count >= minBuckets, let first = run.first, let last = run.last {
                let peak = run.max { abs($0.z) < abs($1.z) }!
                anomalies.append(
                    Anomaly(
                        first: first.index, last: last.index, expected: RobustStatistics.median(run.map(\.expected))!,
                        actual: RobustStatistics.median(run.map(\.value))!, peakScore: peak.z, baseline: first.baseline))
            }
            run.removeAll()
        }

        for index in values.indices {
            let timeMs = startMs + Int64(index) * stepMs
            let hourOfDay = Int(((timeMs % 86_400_000) + 86_400_000) % 86_400_000 / hourMs)
            // 1970-01-01 was a Thursday; any fixed origin works for grouping by weekday.
            let day = Int((timeMs >= 0 ? timeMs : timeMs - 86_400_000 + 1) / 86_400_000)
            let hourOfWeek = ((day % 7) + 7) % 7 * 24 + hourOfDay
            guard let value = values[index] else {
                if index >= evaluateFrom { closeRun() }
                continue
            }
            if index >= evaluateFrom {
                let history = firstDataMs.map { timeMs - $0 } ?? 0
                var reference: [Double]? = nil
                var kind = Baseline.rolling
                if history >= weeklyHistoryMs, let past = seasonal(byHourOfWeek, hourOfWeek, period: 7 * 24) {
                    reference = past
                    kind = .hourOfWeek
                } else if history >= dailyHistoryMs, let past = seasonal(byHourOfDay, hourOfDay, period: 24) {
                    reference = past
                    kind = .hourOfDay
                } else {
                    let window = values[max(0, index - rollingBuckets)..<index].compactMap { $0 }
                    if window.count >= minBaselinePoints { reference = window }
                }
                if let reference, let center = RobustStatistics.median(reference), let spread = RobustStatistics.mad(reference) {
                    let z = RobustStatistics.robustZ(value, median: center, mad: spread, minScale: max(abs(center) * minRelativeScale, minAbsoluteScale, countNoiseFloor ? abs(center).squareRoot() : 0))
                    let relative = center != 0 ? abs(value - center) / abs(center) : (value == 0 ? 0 : .infinity)
                    let watched: Bool
                    switch direction {
                    case .up: watched = z >= threshold
                    case .down: watched = z <= -threshold
                    case .both: watched = abs(z) >= threshold
                    }
                    if watched && relative >= minRelativeChange {
                        run.append((index, value, center, z, kind))
                    } else {
                        closeRun()
                    }
                } else {
                    closeRun()
                }
            }
            if firstDataMs == nil { firstDataMs = timeMs }
            byHourOfWeek[hourOfWeek, default: []].append(value)
            byHourOfDay[hourOfDay, default: []].append(value)
            // Bound the seasonal memory: the newest weeks matter most and keep medians cheap.
            if byHourOfWeek[hourOfWeek]!.count > 8 * max(1, bucketsPerWeek / (7 * 24)) { byHourOfWeek[hourOfWeek]!.removeFirst() }
            if byHourOfDay[hourOfDay]!.count > 28 * max(1, bucketsPerDay / 24) { byHourOfDay[hourOfDay]!.removeFirst() }
        }
        closeRun()
        return anomalies
    }
}

import Logging
import PerfwatchModel
import ServiceLifecycle

/// Scrapes the `scrape_configs:` targets (issue 19): one task per target at its interval, the
/// first scrape at a random point of the first interval (targets of one job do not fire
/// together). Each scrape stores the target's series with `job`/`instance` and its static labels,
/// plus `up` (1/0), `scrape_duration_seconds` and `scrape_samples_scraped`, through the ingest
/// pipeline. Series that disappear (or all of them when a scrape fails) get Prometheus' stale
/// marker, so PromQL stops returning them at once instead of after the lookback.
actor ScrapeManager: Service {
    struct Status: Sendable {
        var lastScrapeMs: Int64?
        var lastScrapeDurationSeconds: Double?
        var lastError: String?
        var up: Bool?
    }

    /// Prometheus' `value.StaleNaN`: the NaN with this bit pattern marks a series as gone.
    static let staleMarker = Double(bitPattern: 0x7ff0_0000_0000_0002)

    let targets: [ScrapeTarget]
    private let scraper: TargetScraper
    private let record: @Sendable (PointBatch) async throws -> Void
    private let logger: Logger
    private var statuses: [Int: Status] = [:]
    private var tasks: [Task<Void, Never>] = []

    init(
        configs: [ScrapeConfig], scraper: TargetScraper, record: @escaping @Sendable (PointBatch) async throws -> Void, logger: Logger
    ) {
        self.targets = configs.flatMap(\.targets)
        self.scraper = scraper
        self.record = record
        self.logger = logger
    }

    func run() async throws {
        start()
        try? await gracefulShutdown()
        stop()
    }

    /// Starts one task per target (also called by tests without the service group).
    func start() {
        guard tasks.isEmpty else { return }
        for (index, target) in targets.enumerated() {
            let scraper = self.scraper
            tasks.append(Task { [weak self] in
                let firstDelay = Int64.random(in: 0..<max(1, target.intervalMs))
                do { try await Task.sleep(for: .milliseconds(firstDelay)) } catch { return }
                let clock = ContinuousClock()
                var next = clock.now
                var previous: [SeriesKey: PointBatch.Series] = [:]
                while !Task.isCancelled {
                    let startMs = TimeParsing.nowMs()
                    let started = clock.now
                    let outcome = await scraper.scrape(target, startMs: startMs)
                    let elapsed = clock.now - started
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    if Task.isCancelled { return }
                    let points = Self.points(outcome, of: target, previous: &previous, atMs: startMs, durationSeconds: seconds)
                    await self?.finish(index, outcome: outcome, points: points, atMs: startMs, durationSeconds: seconds)
                    next = next.advanced(by: .milliseconds(target.intervalMs))
                    // A scrape longer than the interval is not made up for: the next starts now.
                    if next < clock.now { next = clock.now }
                    do { try await Task.sleep(until: next, clock: clock) } catch { return }
                }
            })
        }
    }

    func stop() {
        for task in tasks { task.cancel() }
        tasks = []
    }

    /// Targets in configuration order, each with its latest scrape.
    func snapshot() -> [(target: ScrapeTarget, status: Status)] {
        targets.enumerated().map { ($0.element, statuses[$0.offset] ?? Status()) }
    }

    private func finish(_ index: Int, outcome: TargetScraper.Outcome, points: PointBatch, atMs: Int64, durationSeconds: Double) async {
        statuses[index] = Status(lastScrapeMs: atMs, lastScrapeDurationSeconds: durationSeconds, lastError: outcome.error, up: outcome.error == nil)
        do {
            try await record(points)
        } catch {
            logger.warning("could not store a scrape", metadata: ["target": "\(targets[index].url)", "error": "\(error)"])
        }
    }

    /// What one scrape stores: the scraped series, stale markers for the series the previous
    /// scrape had and this one lacks, and the three report series.
    static func points(
        _ outcome: TargetScraper.Outcome, of target: ScrapeTarget, previous: inout [SeriesKey: PointBatch.Series], atMs: Int64,
        durationSeconds: Double
    ) -> PointBatch {
        var points = outcome.points
        var current: [SeriesKey: PointBatch.Series] = [:]
        current.reserveCapacity(points.series.count)
        for series in points.series { current[series.key] = series }
        for (key, series) in previous where current[key] == nil {
            points.add(series: points.addSeries(series), sample: Sample(timeMs: atMs, value: staleMarker))
        }
        previous = current
        let labels = Labels(target.labels)
        for (metric, value) in [
            ("up", outcome.error == nil ? 1.0 : 0.0), ("scrape_duration_seconds", durationSeconds), ("scrape_samples_scraped", Double(outcome.samplesScraped)),
        ] {
            let series = PointBatch.Series(key: SeriesKey(metric: metric, labels: labels), kind: .gauge, temporality: .cumulative, unit: "")
            points.add(series: points.addSeries(series), sample: Sample(timeMs: atMs, value: value))
        }
        return points
    }
}

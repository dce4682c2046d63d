public import Foundation

/// Everything a finished run measured, merged over workers; input of reports and tables.
public struct LoadResult: Sendable {
    public var name: String
    public var sourceText: String
    public var startDate: Date
    /// Seconds from the first scheduled arrival to the last response (or abandon).
    public var elapsed: Double
    /// Per request name, in the order they first appear in the scenario.
    public var requests: [RequestStats]
    /// All requests together; thresholds are checked against this.
    public var total: RequestStats
    public var series: [SeriesPoint]
    /// Iterations not started because the pool's queue was full.
    public var dropped: Int
    /// Iterations still running when the run stopped (SIGINT grace or drain limit ran out).
    public var abandoned: Int
    /// Iterations started.
    public var iterations: Int
    /// Iterations started per second, measured from the actual start times (open mode).
    public var achievedArrivalRate: Double?
    public var interrupted: Bool
    public var settings: LoadSettings
    public var thresholds: [Threshold]

    init(
        scenario: LoadScenario, plan: CompiledPlan, workers: [WorkerResult], series: [SeriesPoint], startDate: Date,
        elapsed: Double, interrupted: Bool, threads: Int
    ) {
        name = scenario.name
        sourceText = scenario.sourceText
        self.startDate = startDate
        self.elapsed = elapsed
        var requests = plan.requestNames.map(RequestStats.init(name:))
        var total = RequestStats(name: "all")
        for worker in workers {
            for (index, stats) in worker.stats.enumerated() {
                requests[index].merge(stats)
                total.merge(stats)
            }
        }
        self.requests = requests
        self.total = total
        self.series = series
        dropped = workers.reduce(0) { $0 + $1.dropped }
        abandoned = workers.reduce(0) { $0 + $1.abandoned }
        iterations = workers.reduce(0) { $0 + $1.started }
        let firsts = workers.compactMap(\.firstStart)
        if case .open = scenario.mode, let first = firsts.min(), let last = workers.map(\.lastStart).max(), last > first, iterations > 1 {
            achievedArrivalRate = Double(iterations - 1) / (Double(last - first) / 1e9)
        }
        self.interrupted = interrupted
        settings = LoadSettings(scenario: scenario, threads: threads)
        thresholds = scenario.thresholds
    }
}

/// The settings a run used, as stored in the report.
public struct LoadSettings: Sendable, Codable, Equatable {
    public struct PhaseSetting: Sendable, Codable, Equatable {
        public var name: String
        public var durationMs: Int
        public var arrivalRate: Double
        public var rampTo: Double?
    }

    /// `open` or `closed`.
    public var mode: String
    public var target: String
    public var durationMs: Int
    public var phases: [PhaseSetting]?
    public var concurrency: Int?
    public var connections: Int
    public var threads: Int
    public var queue: Int
    public var timeoutMs: Int
    public var connectTimeoutMs: Int

    init(scenario: LoadScenario, threads: Int) {
        target = scenario.target.description
        durationMs = Int(scenario.duration.nanoseconds / 1_000_000)
        switch scenario.mode {
        case .open(let phases):
            mode = "open"
            self.phases = phases.map {
                PhaseSetting(name: $0.name, durationMs: Int($0.duration.nanoseconds / 1_000_000), arrivalRate: $0.arrivalRate, rampTo: $0.rampTo)
            }
        case .closed(let users, _):
            mode = "closed"
            concurrency = users
        }
        connections = scenario.connections
        self.threads = threads
        queue = scenario.queueLimit
        timeoutMs = Int(scenario.requestTimeout.nanoseconds / 1_000_000)
        connectTimeoutMs = Int(scenario.connectTimeout.nanoseconds / 1_000_000)
    }
}

import Foundation
import Logging
import PerfwatchConfig
import PerfwatchModel
import PerfwatchStorage
import ServiceLifecycle

/// Runs the synthetic checks on the server: one task per check at its interval (first run at a
/// random point of the first interval, so checks added together do not fire together), at most
/// `RunSlots.limit` runs at once; each run becomes `synthetic.up` (0/1) and `synthetic.duration`
/// (ms) through the normal ingest path, labelled `check` and `type`. Checks come from the server's
/// file (read-only) and from the API (stored in `synthetic_checks`).
actor SyntheticService: Service {
    /// The latest run of one check and its last failure (kept in memory: the metrics are the history).
    struct Status: Sendable {
        var lastRunMs: Int64?
        var up: Bool?
        var durationMs: Double?
        var lastFailureMs: Int64?
        var lastFailure: String?
    }

    /// Why an API change was refused: 400, 404 or 409.
    struct Refusal: Error {
        enum Kind { case invalid, notFound, conflict }
        var kind: Kind
        var message: String
    }

    typealias Runner = @Sendable (SyntheticCheck) async -> SyntheticOutcome

    private let fileChecks: [SyntheticCheck]
    private var apiChecks: [String: SyntheticCheck] = [:]
    private var tasks: [String: Task<Void, Never>] = [:]
    private var statuses: [String: Status] = [:]
    private var started = false
    private let store: any LabStore
    private let slots: RunSlots
    private let record: @Sendable (PointBatch) async throws -> Void
    private let rulesChanged: @Sendable ([SyntheticCheck]) async -> Void
    private let runners: [SyntheticCheck.Kind: Runner]
    private let logger: Logger

    init(
        fileChecks: [SyntheticCheck], store: any LabStore, concurrency: Int = 8, runners: [SyntheticCheck.Kind: Runner],
        record: @escaping @Sendable (PointBatch) async throws -> Void, rulesChanged: @escaping @Sendable ([SyntheticCheck]) async -> Void,
        logger: Logger
    ) {
        self.fileChecks = fileChecks
        self.store = store
        self.slots = RunSlots(limit: concurrency)
        self.runners = runners
        self.record = record
        self.rulesChanged = rulesChanged
        self.logger = logger
    }

    func run() async throws {
        await start()
        try? await gracefulShutdown()
        stopAll()
    }

    /// Loads the API checks and starts every runner (also called by tests without the service group).
    func start() async {
        guard !started else { return }
        started = true
        do {
            for stored in try await store.labDefinitions(.syntheticCheck) {
                do throws(ConfigError) {
                    let check = try SyntheticCheck.parse(try ConfigNode.parseJSON(Data(stored.json.utf8), rootPath: "check"), origin: .api)
                    apiChecks[check.name] = check
                } catch {
                    logger.error("stored synthetic check not loaded", metadata: ["name": "\(stored.name)", "problem": "\(error)"])
                }
            }
        } catch {
            logger.error("could not read stored synthetic checks", metadata: ["error": "\(error)"])
        }
        for check in checks() { launch(check) }
        await rulesChanged(checks())
    }

    func stopAll() {
        for task in tasks.values { task.cancel() }
        tasks = [:]
    }

    /// File checks first, then API checks, each by name.
    func checks() -> [SyntheticCheck] {
        fileChecks.sorted { $0.name < $1.name } + apiChecks.values.sorted { $0.name < $1.name }
    }

    func status(of name: String) -> Status { statuses[name] ?? Status() }

    func add(_ check: SyntheticCheck) async throws -> SyntheticCheck {
        if fileChecks.contains(where: { $0.name == check.name }) || apiChecks[check.name] != nil {
            throw Refusal(kind: .invalid, message: "name: a check named '\(check.name)' already exists; use PUT to change it")
        }
        return try await save(check)
    }

    func replace(name: String, with check: SyntheticCheck) async throws -> SyntheticCheck {
        if fileChecks.contains(where: { $0.name == name }) {
            throw Refusal(kind: .conflict, message: "check '\(name)' is defined in the server's file and is read-only through the API")
        }
        guard apiChecks[name] != nil else { throw Refusal(kind: .notFound, message: "no synthetic check named '\(name)'") }
        guard check.name == name else {
            throw Refusal(kind: .invalid, message: "name: must match the name in the path ('\(name)'); checks are not renamed")
        }
        return try await save(check)
    }

    func remove(name: String) async throws {
        if fileChecks.contains(where: { $0.name == name }) {
            throw Refusal(kind: .conflict, message: "check '\(name)' is defined in the server's file and is read-only through the API")
        }
        guard apiChecks[name] != nil else { throw Refusal(kind: .notFound, message: "no synthetic check named '\(name)'") }
        _ = try await store.deleteLabDefinition(.syntheticCheck, name: name)
        apiChecks[name] = nil
        tasks.removeValue(forKey: name)?.cancel()
        statuses[name] = nil
        await rulesChanged(checks())
    }

    private func save(_ check: SyntheticCheck) async throws -> SyntheticCheck {
        guard runners[check.type] != nil else {
            throw Refusal(kind: .invalid, message: "type: \(check.type.rawValue) checks cannot run on this server (no runner for them in this build)")
        }
        var check = check
        check.origin = .api
        try await store.saveLabDefinition(.syntheticCheck, name: check.name, json: check.definitionJSON, nowMs: TimeParsing.nowMs())
        apiChecks[check.name] = check
        if started { launch(check) }
        await rulesChanged(checks())
        return check
    }

    /// (Re)starts the runner of one check.
    private func launch(_ check: SyntheticCheck) {
        tasks.removeValue(forKey: check.name)?.cancel()
        guard let runner = runners[check.type] else {
            statuses[check.name, default: Status()].lastFailure = "\(check.type.rawValue) checks cannot run on this server"
            return
        }
        let slots = self.slots
        tasks[check.name] = Task { [weak self] in
            let firstDelay = Int64.random(in: 0..<max(1, min(check.intervalMs, 10_000)))
            do { try await Task.sleep(for: .milliseconds(firstDelay)) } catch { return }
            let clock = ContinuousClock()
            var next = clock.now
            while !Task.isCancelled {
                await slots.acquire()
                let outcome = await runner(check)
                await slots.release()
                if Task.isCancelled { return }
                await self?.recordOutcome(outcome, of: check)
                next = next.advanced(by: .milliseconds(check.intervalMs))
                // A run longer than the interval is not made up for: the next starts now.
                if next < clock.now { next = clock.now }
                do { try await Task.sleep(until: next, clock: clock) } catch { return }
            }
        }
    }

    private func recordOutcome(_ outcome: SyntheticOutcome, of check: SyntheticCheck) async {
        let nowMs = TimeParsing.nowMs()
        var status = statuses[check.name] ?? Status()
        status.lastRunMs = nowMs
        status.up = outcome.up
        status.durationMs = outcome.durationMs
        if let reason = outcome.reason {
            status.lastFailure = reason
            status.lastFailureMs = nowMs
        }
        statuses[check.name] = status
        do {
            try await record(Self.points(outcome, of: check, atMs: nowMs))
        } catch {
            logger.warning("could not record a synthetic check run", metadata: ["check": "\(check.name)", "error": "\(error)"])
        }
    }

    /// One run as metrics: `synthetic.up` and `synthetic.duration`, plus what a browser run measured.
    static func points(_ outcome: SyntheticOutcome, of check: SyntheticCheck, atMs: Int64) -> PointBatch {
        let labels = Labels(["check": check.name, "type": check.type.rawValue])
        var points = PointBatch()
        points.append(
            MetricPoint(
                series: SeriesKey(metric: "synthetic.up", labels: labels), kind: .gauge, temporality: .cumulative, unit: "",
                sample: Sample(timeMs: atMs, value: outcome.up ? 1 : 0)))
        points.append(
            MetricPoint(
                series: SeriesKey(metric: "synthetic.duration", labels: labels), kind: .distribution, temporality: .delta, unit: "ms",
                sample: Sample(timeMs: atMs, value: outcome.durationMs)))
        for (metric, value) in outcome.browserMetrics.sorted(by: { $0.key < $1.key }) where value.isFinite {
            points.append(
                MetricPoint(
                    series: SeriesKey(metric: "synthetic.\(metric)", labels: labels), kind: .distribution, temporality: .delta,
                    unit: metric == "cls" || metric == "score" ? "" : "ms", sample: Sample(timeMs: atMs, value: value)))
        }
        return points
    }
}

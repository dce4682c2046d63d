import Logging
import PerfwatchAnalysis
import PerfwatchModel
import ServiceLifecycle

/// Runs the database advisor (issue 21) for every configured database: a pass every `interval`
/// and on demand (`GET /api/v1/db/advisor?refresh=1`), keeping each database's last report. An
/// unreachable database is a status, not a failure: its next attempt waits twice as long each time
/// (5 s, 10 s, … up to 5 min) and the server keeps running. After each pass `afterPass` sees the
/// report (index suggestions become `db_index` optimizations).
actor DatabaseAdvisorService: Service {
    /// One configured database: what the advisor reads it with and, with `apply_url`, what may build indexes in it.
    struct Database: Sendable {
        let configuration: DatabaseConfiguration
        let source: any DatabaseSource
        let settings: DatabaseAdvisorSettings
        let writer: (any DatabaseWriter)?
    }

    /// What the spans say for a pass: each fingerprint's routes and sample, and the peak concurrency of database calls.
    struct SpanEvidence: Sendable {
        var usage: [FingerprintUsage] = []
        var peakConcurrency: Int?
    }

    /// What the API says about a database between passes.
    struct State: Sendable {
        /// `pending` until the first pass ends, then the report's status.
        var status = "pending"
        var lastPassMs: Int64?
        var error: String?
        var report: DatabaseAdvisorReport?
        /// The newest report of a pass that reached the database: its findings stay issues while it is unreachable.
        var lastReached: DatabaseAdvisorReport?
        /// Set while unreachable: the wait before the next attempt.
        var retryDelayMs: Int64?
        var nextPassMs: Int64?
    }

    static let firstRetryMs: Int64 = 5_000
    static let maxRetryMs: Int64 = 300_000

    let databases: [Database]
    private var states: [String: State] = [:]
    private var inFlight: [String: Task<DatabaseAdvisorReport, Never>] = [:]
    let evidence: @Sendable (_ nowMs: Int64) async -> SpanEvidence
    let afterPass: @Sendable (_ report: DatabaseAdvisorReport, _ database: Database) async -> Void
    let logger: Logger

    init(
        databases: [Database], evidence: @escaping @Sendable (_ nowMs: Int64) async -> SpanEvidence,
        afterPass: @escaping @Sendable (_ report: DatabaseAdvisorReport, _ database: Database) async -> Void, logger: Logger
    ) {
        self.databases = databases
        self.evidence = evidence
        self.afterPass = afterPass
        self.logger = logger
        for database in databases { states[database.configuration.name] = State() }
    }

    nonisolated var names: [String] { databases.map(\.configuration.name) }

    nonisolated func database(named name: String) -> Database? { databases.first { $0.configuration.name == name } }

    func state(of name: String) -> State? { states[name] }

    /// The newest report that reached each database (the issues' source while one is unreachable).
    func reachedReports() -> [DatabaseAdvisorReport] { names.compactMap { states[$0]?.lastReached } }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for database in databases {
                group.addTask { await self.loop(database.configuration.name) }
            }
        }
        // A service that returns early stops the server: wait for the shutdown like the others.
        try? await gracefulShutdown()
    }

    /// Passes when they are due: `nextPassMs` moves with every pass, so one run on demand postpones
    /// the next scheduled one instead of doubling it.
    private func loop(_ name: String) async {
        while !Task.isShuttingDownGracefully {
            let now = TimeParsing.nowMs()
            if let next = states[name]?.nextPassMs, next > now {
                do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(next - now)) } } catch { return }
                continue
            }
            _ = await pass(name, nowMs: now)
        }
    }

    /// Runs a pass now, or waits for the one already running for this database. Nil for an unknown
    /// name. When it returns, the state and the proposals are up to date.
    func pass(_ name: String, nowMs: Int64) async -> DatabaseAdvisorReport? {
        guard let database = database(named: name) else { return nil }
        if let running = inFlight[name] { return await running.value }
        let evidence = self.evidence
        let afterPass = self.afterPass
        let task = Task {
            let spans = await evidence(nowMs)
            var settings = database.settings
            settings.peakConcurrency = spans.peakConcurrency
            let advisor = DatabaseAdvisor(database: database.configuration.name, source: database.source, settings: settings)
            let report = await advisor.run(usage: spans.usage, nowMs: nowMs)
            await self.record(report, for: name, nowMs: nowMs)
            if report.status != "unreachable" { await afterPass(report, database) }
            return report
        }
        inFlight[name] = task
        let report = await task.value
        inFlight[name] = nil
        return report
    }

    private func record(_ report: DatabaseAdvisorReport, for name: String, nowMs: Int64) {
        var state = states[name] ?? State()
        let wasUnreachable = state.status == "unreachable"
        state.status = report.status
        state.lastPassMs = nowMs
        state.error = report.error
        state.report = report
        if report.status == "unreachable" {
            state.retryDelayMs = Self.nextRetryDelay(after: state.retryDelayMs)
            logger.warning(
                "database unreachable", metadata: ["database": "\(name)", "error": "\(report.error ?? "")", "retryInMs": "\(state.retryDelayMs!)"])
        } else {
            state.lastReached = report
            state.retryDelayMs = nil
            if wasUnreachable { logger.notice("database reachable again", metadata: ["database": "\(name)"]) }
        }
        let delay = state.retryDelayMs ?? database(named: name)?.configuration.intervalMs ?? 300_000
        state.nextPassMs = nowMs + delay
        states[name] = state
    }

    /// 5 s after the first failure, then twice the last wait, at most 5 min.
    static func nextRetryDelay(after previous: Int64?) -> Int64 {
        guard let previous else { return firstRetryMs }
        return min(maxRetryMs, previous * 2)
    }
}

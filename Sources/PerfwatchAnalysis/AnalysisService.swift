public import Logging
public import PerfwatchModel
public import PerfwatchStorage
public import ServiceLifecycle

/// Runs every analyzer over the last `window` of data on an interval, and records the
/// findings as issues (created, updated, reopened; resolved after `resolveAfterPasses` clean
/// passes in a row). One analyzer failing does not stop the others.
public actor AnalysisService: Service {
    public struct Configuration: Sendable {
        public var interval: Duration = .seconds(60)
        public var windowMs: Int64 = 3_600_000
        public var resolveAfterPasses = 3

        public init() {}
    }

    public struct PassReport: Sendable {
        public var issues: [PerformanceIssue] = []
        public var failures: [String] = []
        public var seconds = 0.0
        /// Each analyzer's own time (they run concurrently, so these add up to more than `seconds`).
        public var analyzerSeconds: [(name: String, seconds: Double)] = []
    }

    let analyzers: [any Analyzer]
    let store: any IssueStore
    let configuration: Configuration
    let logger: Logger
    /// Runs once each pass's issues are recorded (the server proposes edge optimizations from them).
    let afterPass: (@Sendable (_ nowMs: Int64) async -> Void)?

    public init(
        analyzers: [any Analyzer], store: any IssueStore, configuration: Configuration = Configuration(), logger: Logger,
        afterPass: (@Sendable (_ nowMs: Int64) async -> Void)? = nil
    ) {
        self.analyzers = analyzers
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.afterPass = afterPass
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            let interval = configuration.interval
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch { return }
            _ = await runPass(nowMs: TimeParsing.nowMs())
        }
    }

    /// One pass now (also `POST /api/v1/analysis/run`), over `windowMs` (default: the configured window).
    public func runPass(nowMs: Int64, windowMs: Int64? = nil) async -> PassReport {
        let clock = ContinuousClock()
        let started = clock.now
        var report = PassReport()
        let context = AnalysisContext(from: nowMs - (windowMs ?? configuration.windowMs), to: nowMs, nowMs: nowMs)
        var findings: [PerformanceIssue] = []
        var analyzed: Set<String> = []
        // Analyzers are independent readers, so they run side by side (a pass over a day of
        // data is mostly sketch merging, which uses both cores this way); results are gathered
        // in the configured order so issues come out the same every pass.
        let outcomes = await withTaskGroup(of: (Int, Result<[PerformanceIssue], any Error>, Double).self) { group in
            for (index, analyzer) in analyzers.enumerated() {
                group.addTask {
                    let started = clock.now
                    let result: Result<[PerformanceIssue], any Error>
                    do { result = .success(try await analyzer.analyze(context)) } catch { result = .failure(error) }
                    return (index, result, Self.seconds(clock.now - started))
                }
            }
            var outcomes: [(Int, Result<[PerformanceIssue], any Error>, Double)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }
        }
        for (index, result, seconds) in outcomes {
            let analyzer = analyzers[index]
            report.analyzerSeconds.append(("\(type(of: analyzer))", seconds))
            switch result {
            case .success(let found):
                findings += found
                analyzed.formUnion(analyzer.types)
            case .failure(let error):
                report.failures.append("\(type(of: analyzer)): \(error)")
                logger.error("analyzer failed", metadata: ["analyzer": "\(type(of: analyzer))", "error": "\(error)"])
            }
        }
        do {
            report.issues = try await store.recordAnalysisPass(
                findings, analyzedTypes: analyzed, nowMs: nowMs, resolveAfterPasses: configuration.resolveAfterPasses)
        } catch {
            report.failures.append("recording issues: \(error)")
            logger.error("recording analysis findings failed", metadata: ["error": "\(error)"])
        }
        await afterPass?(nowMs)
        report.seconds = Self.seconds(clock.now - started)
        return report
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

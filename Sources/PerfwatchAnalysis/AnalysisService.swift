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
    }

    let analyzers: [any Analyzer]
    let store: any IssueStore
    let configuration: Configuration
    let logger: Logger

    public init(analyzers: [any Analyzer], store: any IssueStore, configuration: Configuration = Configuration(), logger: Logger) {
        self.analyzers = analyzers
        self.store = store
        self.configuration = configuration
        self.logger = logger
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
        for analyzer in analyzers {
            do {
                findings += try await analyzer.analyze(context)
                analyzed.formUnion(analyzer.types)
            } catch {
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
        let elapsed = clock.now - started
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return report
    }
}

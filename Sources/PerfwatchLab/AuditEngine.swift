import Foundation
public import PerfwatchModel

/// Audits a URL N times in one Chromium, restarting the browser when it died (a crashed run is reported failed,
/// the next run gets a new browser), and picks the median run by score.
public final class AuditEngine: @unchecked Sendable {
    public struct Options: Sendable {
        public var device: AuditDevice
        public var runs: Int
        /// Cap of one run; past it the run reports what it has, with a warning.
        public var timeout: Duration
        /// Off: only the throttled load (the benchmark's bare baseline), no observers, coverage or screenshots.
        public var collectMetrics: Bool
        /// Off: the device's viewport without network or CPU throttling (synthetic browser checks).
        public var throttled: Bool

        public init(
            device: AuditDevice = .mobile, runs: Int = 1, timeout: Duration = .seconds(45), collectMetrics: Bool = true, throttled: Bool = true
        ) {
            self.device = device
            self.runs = runs
            self.timeout = timeout
            self.collectMetrics = collectMetrics
            self.throttled = throttled
        }
    }

    private let executable: String
    private var browser: LabBrowser?

    /// `PERFWATCH_CHROMIUM` names another browser binary (tests use it to point at a missing one).
    public init(executable: String? = nil) {
        self.executable = executable ?? ProcessInfo.processInfo.environment["PERFWATCH_CHROMIUM"] ?? ChromiumProcess.defaultExecutable
    }

    deinit { browser?.close() }

    public func shutdown() {
        browser?.close()
        browser = nil
    }

    /// The pid of the running browser, for tests that kill it to check recovery.
    public var browserPID: Int32? { browser?.pidForTests }

    private func liveBrowser() async throws -> LabBrowser {
        if let browser, browser.isAlive { return browser }
        browser?.close()
        browser = nil
        let fresh = try await LabBrowser.launch(executable: executable)
        browser = fresh
        return fresh
    }

    public var chromiumVersion: String { browser?.version ?? "" }

    /// One run; an error (unreachable host, crash) comes back as a failed run with the reason.
    public func run(url: String, options: Options) async -> AuditRun {
        var started = Date()
        do {
            let browser = try await liveBrowser()
            // A run's wall time is the page's, from a fresh context to the assembled result; not the browser's start.
            started = Date()
            let facts = try await AuditRunner(
                browser: browser, url: url, profile: options.throttled ? .lighthouse(options.device) : .unthrottled(options.device), timeout: options.timeout, collectMetrics: options.collectMetrics
            ).run()
            var run: AuditRun
            if options.collectMetrics {
                let histograms = facts.screenshots.isEmpty ? nil : try? await browser.histograms(facts.screenshots.map(\.jpegBase64))
                run = RunAssembly(facts: facts, device: options.device, histograms: histograms).run()
            } else {
                run = AuditRun(
                    score: 0, metrics: AuditMetrics(), opportunities: [], resourceSummary: [:], requests: [], filmstrip: [], lcpElement: nil,
                    longTasks: [], warnings: facts.warnings, finalURL: url, startedMs: facts.startedMs, durationMs: 0)
            }
            run.durationMs = Date().timeIntervalSince(started) * 1000
            return run
        } catch {
            if let browser, !browser.isAlive {
                self.browser = nil
                browser.close()
            }
            return AuditRun(
                score: 0, metrics: AuditMetrics(), opportunities: [], resourceSummary: [:], requests: [], filmstrip: [], lcpElement: nil,
                longTasks: [], warnings: [], finalURL: url, startedMs: started.timeIntervalSince1970 * 1000,
                durationMs: Date().timeIntervalSince(started) * 1000, failed: "\(error)")
        }
    }

    /// All runs and the report of the median one; `onRun` hears each run as it ends (progress on a terminal).
    public func audit(url: String, options: Options, onRun: (Int, AuditRun) -> Void = { _, _ in }) async -> AuditReport {
        let started = Date()
        var runs: [AuditRun] = []
        for index in 0..<max(1, options.runs) {
            let run = await run(url: url, options: options)
            onRun(index, run)
            runs.append(run)
        }
        return Self.report(url: url, device: options.device, runs: runs, started: started, chromiumVersion: chromiumVersion)
    }

    static func report(url: String, device: AuditDevice, runs: [AuditRun], started: Date, chromiumVersion: String) -> AuditReport {
        let index = LabMetrics.medianIndex(scores: runs.map { $0.failed == nil ? $0.score : nil }) ?? 0
        let median = runs[index]
        var warnings = median.warnings
        let failed = runs.filter { $0.failed != nil }
        if !failed.isEmpty && failed.count < runs.count {
            warnings.append("\(failed.count) of \(runs.count) runs failed: \(failed[0].failed ?? "")")
        }
        // Only the median run keeps its screenshots: five runs of ten JPEGs each would make the stored report heavy
        // for frames nobody looks at.
        let kept = runs.enumerated().map { offset, run in
            var run = run
            if offset != index { run.filmstrip = [] }
            return run
        }
        return AuditReport(
            url: url, finalURL: median.finalURL, device: device.rawValue, runs: kept, medianRunIndex: index, score: median.score,
            metrics: median.metrics, opportunities: median.opportunities, resourceSummary: median.resourceSummary, requests: median.requests,
            filmstrip: median.filmstrip, lcpElement: median.lcpElement, longTasks: median.longTasks, warnings: warnings,
            startedMs: started.timeIntervalSince1970 * 1000, durationMs: Date().timeIntervalSince(started) * 1000, chromiumVersion: chromiumVersion)
    }
}

extension AuditReport {
    /// Every run failed: there is no result to report, only the reason.
    public var allRunsFailed: Bool { runs.allSatisfy { $0.failed != nil } }
}

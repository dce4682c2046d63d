import PerfwatchLab
import PerfwatchModel

/// Runs one browser check (`type: browser`): one page load by the audit engine (PerfwatchLab), in a browser
/// of its own that is closed afterwards. The desktop viewport without throttling (issue 20: "an audit without
/// throttling"): a check watches the page as it is served, it does not emulate a slow network or a phone.
enum BrowserProbe {
    static func run(_ check: SyntheticCheck) async -> SyntheticOutcome {
        let engine = AuditEngine()
        defer { engine.shutdown() }
        let run = await engine.run(url: check.url, options: .init(device: .desktop, runs: 1, timeout: .milliseconds(check.timeoutMs), throttled: false))
        return outcome(run, of: check)
    }

    /// Down when the load failed or the document's status is not the expected one; otherwise up, with the
    /// lab figures (`synthetic.lcp`, `.fcp`, `.cls`, `.tbt`, `.ttfb`, `.score`).
    static func outcome(_ run: AuditRun, of check: SyntheticCheck) -> SyntheticOutcome {
        if let failed = run.failed { return SyntheticOutcome(up: false, durationMs: run.durationMs, reason: failed) }
        if let document = run.requests.first(where: { $0.type == "document" }), document.status != check.expectStatus {
            return SyntheticOutcome(up: false, durationMs: run.durationMs, reason: "status \(document.status), expected \(check.expectStatus)")
        }
        var figures: [String: Double] = ["score": Double(run.score)]
        figures["lcp"] = run.metrics.lcpMs
        figures["fcp"] = run.metrics.fcpMs
        figures["cls"] = run.metrics.cls
        figures["tbt"] = run.metrics.tbtMs
        figures["ttfb"] = run.metrics.ttfbMs
        return SyntheticOutcome(up: true, durationMs: run.durationMs, reason: nil, browserMetrics: figures)
    }
}

import Foundation
public import PerfwatchModel
public import PerfwatchStatistics

/// The words and evidence of a `regression` issue: the change, its significance, and the root cause.
public enum RegressionReport {
    public static func issue(
        deployment: Deployment, route: String, comparison: BeforeAfterComparison, explanation: RootCauseAnalysis.Explanation,
        beforeFromMs: Int64, afterToMs: Int64
    ) -> PerformanceIssue {
        let service = deployment.service
        let version = deployment.version
        let changePct = Int(comparison.changePct.rounded())
        let windowMin = (deployment.timeMs - beforeFromMs) / 60_000
        var description =
            "p95 of \(route) (\(service)) went from \(Format.ms(comparison.before)) to \(Format.ms(comparison.after)) (+\(changePct)%) after \(version) was deployed: \(comparison.countBefore) requests in the \(windowMin) min before against \(comparison.countAfter) in the \(windowMin) min after; Mann–Whitney p \(pText(comparison.pValue)), a request after is slower than one before with probability \(Int((comparison.probabilityAfterSlower * 100).rounded()))%."
        let meanDelta = explanation.meanDelta
        description += " Mean \(Format.ms(explanation.meanBefore)) → \(Format.ms(explanation.meanAfter))."
        if let top = explanation.contributors.first {
            let share = meanDelta > 0 ? Int((top.deltaMs / meanDelta * 100).rounded()) : 0
            description += " Root cause: `\(top.statement)` takes \(Format.ms(top.perRequestBefore)) → \(Format.ms(top.perRequestAfter)) per request (+\(Format.ms(top.deltaMs)), \(share)% of the mean increase): \(calls(top.callsPerRequestBefore)) → \(calls(top.callsPerRequestAfter)) calls per request at \(Format.ms(top.meanBefore)) → \(Format.ms(top.meanAfter)) each."
            for other in explanation.contributors.dropFirst().prefix(2) where other.deltaMs >= 0.1 * meanDelta {
                description += " Also `\(other.statement)`: +\(Format.ms(other.deltaMs)) per request."
            }
        } else {
            description += " No database query's time grew: the time went elsewhere (the app's own code or outbound calls)."
        }
        let signalSentence = explanation.signals.map(signalText).joined(separator: "; ")
        description += " " + signalSentence.prefix(1).uppercased() + signalSentence.dropFirst() + "."

        var recommendation: String
        if let top = explanation.contributors.first, top.deltaMs >= 0.3 * max(meanDelta, 0) {
            if top.callsPerRequestAfter >= 1.5 * max(top.callsPerRequestBefore, 0.01) {
                recommendation = "\(version) runs `\(top.statement)` \(calls(top.callsPerRequestAfter)) times per request instead of \(calls(top.callsPerRequestBefore)): look for a new loop issuing it (an N+1) and batch it into one query."
            } else {
                recommendation = "The same number of calls of `\(top.statement)` got slower (\(Format.ms(top.meanBefore)) → \(Format.ms(top.meanAfter)) each) with \(version): check what the release changed in it — a dropped or unused index, a new join or condition, a larger result — with EXPLAIN ANALYZE."
            }
        } else {
            recommendation = "Compare slow traces of \(route) before and after \(version) (Traces page, filter by route) to find the operation whose time grew."
        }
        if explanation.signals.contains(where: { $0.name == "error_rate" && $0.moved }) {
            recommendation += " The error rate moved at the same time: check the new errors first, they may be timeouts of the slow path."
        }
        recommendation += " Fixing it or rolling back wins back ≈ \(Format.ms(max(0, comparison.after - comparison.before))) at p95."

        var contributors = "["
        for (index, contributor) in explanation.contributors.enumerated() {
            if index > 0 { contributors += "," }
            contributors += Format.evidence([
                "fingerprint": Format.string(contributor.fingerprint), "statement": Format.string(contributor.statement),
                "perRequestBeforeMs": Format.number(contributor.perRequestBefore), "perRequestAfterMs": Format.number(contributor.perRequestAfter),
                "deltaMs": Format.number(contributor.deltaMs),
                "shareOfMeanIncrease": Format.number(meanDelta > 0 ? contributor.deltaMs / meanDelta : 0),
                "callsPerRequestBefore": Format.number(contributor.callsPerRequestBefore),
                "callsPerRequestAfter": Format.number(contributor.callsPerRequestAfter),
                "meanBeforeMs": Format.number(contributor.meanBefore), "meanAfterMs": Format.number(contributor.meanAfter),
            ])
        }
        contributors += "]"
        var signals = "{"
        for (index, signal) in explanation.signals.enumerated() {
            if index > 0 { signals += "," }
            signals += Format.string(signal.name) + ":" + Format.evidence([
                "before": Format.number6(signal.before), "after": Format.number6(signal.after), "moved": signal.moved ? "true" : "false",
            ])
        }
        signals += "}"
        return PerformanceIssue(
            fingerprint: "regression|\(service)|\(route)|\(version)", type: "regression",
            title: "\(route) got \(changePct)% slower in \(version)",
            description: description, recommendation: recommendation,
            severity: Severity.forImpact(comparison.changePct >= 50 ? .critical : .warning, impactMs: max(0, comparison.after - comparison.before)), service: service, route: route,
            impactMs: max(0, comparison.after - comparison.before),
            evidence: Format.evidence([
                // `after` names the release, as the dashboard labels "p95 in <after>".
                "deploymentId": "\(deployment.id)", "after": Format.string(version), "deployedAt": "\(deployment.timeMs)",
                "beforeFrom": "\(beforeFromMs)", "afterTo": "\(afterToMs)",
                "p95BeforeMs": Format.number(comparison.before), "p95AfterMs": Format.number(comparison.after),
                "changePct": Format.number(comparison.changePct), "pValue": Format.number6(comparison.pValue),
                "probabilityAfterSlower": Format.number6(comparison.probabilityAfterSlower),
                "requestsBefore": "\(comparison.countBefore)", "requestsAfter": "\(comparison.countAfter)",
                "meanBeforeMs": Format.number(explanation.meanBefore), "meanAfterMs": Format.number(explanation.meanAfter),
                "rootCause": contributors, "signals": signals,
                "query": Format.string(
                    "/api/v1/query?metric=http.server.duration&stat=p95&where=service=\(service)&where=route=\(route)&from=\(beforeFromMs)&to=\(afterToMs)&step=60000"),
            ]))
    }

    static func pText(_ p: Double) -> String {
        p < 0.001 ? "< 0.001" : "= \((p * 1000).rounded() / 1000)"
    }

    static func calls(_ value: Double) -> String { "\((value * 10).rounded() / 10)" }

    static func signalText(_ signal: RootCauseAnalysis.Signal) -> String {
        let what: String
        let values: String
        switch signal.name {
        case "error_rate":
            what = "error rate"
            values = String(format: "%.2f%% → %.2f%%", signal.before * 100, signal.after * 100)
        case "memory_rss_bytes":
            what = "memory (RSS)"
            values = String(format: "%.0f MB → %.0f MB", signal.before / 1e6, signal.after / 1e6)
        default:
            what = signal.name == "cpu_percent" ? "CPU" : "memory"
            values = String(format: "%.0f%% → %.0f%%", signal.before, signal.after)
        }
        return "\(what) \(values) (\(signal.moved ? "moved at the same time" : "unchanged"))"
    }
}

extension Format {
    /// Six significant decimals, for p-values and rates that `number`'s two would round to 0.
    static func number6(_ value: Double) -> String { value.isFinite ? "\((value * 1e6).rounded() / 1e6)" : "null" }
}

/// Human output: the live progress line and the final tables.
extension LoadReport {
    /// Two tables (corrected, uncorrected), then dropped iterations and thresholds.
    public func table() -> String {
        var out = ""
        let correctedTitle = "Latency from intended start (corrected for coordinated omission)"
        out += section(correctedTitle, \.latency)
        out += "\n" + section("Latency from actual send (uncorrected)", \.uncorrected)
        var notes = "\n\(iterations) iterations in \(LoadNotation.fixed(Double(endMs - startMs) / 1000, 1))s"
        if let achievedArrivalRate { notes += ", arrival rate \(LoadNotation.fixed(achievedArrivalRate, 1))/s" }
        notes += ", dropped \(dropped) (pool queue full)"
        if abandoned > 0 { notes += ", abandoned \(abandoned) (still running at stop)" }
        if interrupted { notes += ", interrupted" }
        out += notes + "\n"
        if total.errors > 0 {
            out += "errors: " + total.errorsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        }
        for threshold in thresholds {
            let isRate = threshold.name == "error_rate"
            let show = { (value: Double) in isRate ? LoadNotation.fixed(value * 100, 2) + "%" : LoadNotation.formatMicros(value * 1000) }
            out += "threshold \(threshold.name) ≤ \(show(threshold.limit)): \(show(threshold.actual)) \(threshold.passed ? "passed" : "FAILED")\n"
        }
        return out
    }

    private func section(_ title: String, _ latency: KeyPath<RequestReport, LatencySummary>) -> String {
        let header = ["request", "count", "rate/s", "p50", "p90", "p95", "p99", "max", "errors"]
        var rows = requests.map { row($0, latency) }
        if requests.count > 1 { rows.append(row(total, latency)) }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        let render = { (cells: [String]) in
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        return ([title, render(header)] + rows.map(render)).joined(separator: "\n") + "\n"
    }

    private func row(_ report: RequestReport, _ latency: KeyPath<RequestReport, LatencySummary>) -> [String] {
        let summary = report[keyPath: latency]
        let ms = { (value: Double) in LoadNotation.formatMicros(value * 1000) }
        return [
            report.name, "\(report.count)", LoadNotation.fixed(report.rate, 1), ms(summary.p50), ms(summary.p90), ms(summary.p95),
            ms(summary.p99), ms(summary.max), "\(report.errors)",
        ]
    }
}

extension LoadProgress {
    /// `  12s / 1m00s  498 req/s  p50 4.12ms  p95 9.80ms  p99 20.1ms  errors 0  dropped 0`
    public var line: String {
        let remaining = max(duration - elapsed, 0)
        return "\(LoadNotation.formatSeconds(elapsed)) / \(LoadNotation.formatSeconds(duration)) (\(LoadNotation.formatSeconds(remaining)) left)"
            + "  \(Int(rate.rounded())) req/s  p50 \(LoadNotation.formatMicros(p50))  p95 \(LoadNotation.formatMicros(p95))"
            + "  p99 \(LoadNotation.formatMicros(p99))  errors \(errors)  dropped \(dropped)"
    }
}

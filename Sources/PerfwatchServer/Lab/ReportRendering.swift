import Foundation
import PerfwatchAlerting
import PerfwatchModel

/// A rendered report: its bytes, MIME type and file name.
struct RenderedReport: Sendable {
    let bytes: [UInt8]
    let contentType: String
    let fileName: String
}

/// The three formats of a report. PDF is the HTML page (inline SVG charts) printed by headless Chromium.
enum ReportRendering {
    static func json(_ report: ReportContent) throws -> [UInt8] {
        Array(try CompactJSONEncoder().encode(report, capacity: 4096).utf8)
    }

    /// One row per figure: `section,item,metric,value` (RFC 4180 quoting).
    static func csv(_ report: ReportContent) -> String {
        var rows = [["section", "item", "metric", "value"]]
        func number(_ value: Double?) -> String { value.map { String($0) } ?? "" }
        rows.append(["report", report.name, "period", "\(RFC3339.format(ms: report.from))/\(RFC3339.format(ms: report.to))"])
        for vital in report.vitals {
            rows.append(["vitals", vital.vital, "p75", number(vital.p75)])
            rows.append(["vitals", vital.vital, "previous_p75", number(vital.previousP75)])
            rows.append(["vitals", vital.vital, "change_pct", number(vital.changePct)])
        }
        for score in report.scores {
            rows.append(["scores", score.url, "score", String(score.score)])
            rows.append(["scores", score.url, "previous_score", score.previousScore.map(String.init) ?? ""])
        }
        for route in report.slowestRoutes {
            rows.append(["slowest_routes", "\(route.service) \(route.route)", "p95_ms", number(route.p95Ms)])
            rows.append(["slowest_routes", "\(route.service) \(route.route)", "requests", number(route.requests)])
        }
        for issue in report.openIssues { rows.append(["open_issues", "#\(issue.id) \(issue.title)", "severity", issue.severity]) }
        for optimization in report.optimizations {
            rows.append(["optimizations", "#\(optimization.id) \(optimization.description)", "verdict", optimization.verdict ?? optimization.status])
        }
        rows.append(["alerts", "all", "fired", String(report.alerts.fired)])
        rows.append(["alerts", "all", "resolved", String(report.alerts.resolved)])
        rows.append(["alerts", "all", "mtta_ms", number(report.alerts.mttaMs)])
        rows.append(["alerts", "all", "mttr_ms", number(report.alerts.mttrMs)])
        for check in report.uptime { rows.append(["uptime", check.check, "uptime_pct", number(check.uptimePct)]) }
        rows.append(["budget", "all", "status", report.budget])
        return rows.map { $0.map(quote).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    static func quote(_ field: String) -> String {
        guard field.contains(where: { ",\"\r\n".contains($0) }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The printable page: one section per part of the report, the vitals as bar charts (this period
    /// against the previous one) in inline SVG, so the PDF needs nothing but the file.
    static func html(_ report: ReportContent) -> String {
        func e(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        func value(_ number: Double?, _ unit: String) -> String {
            guard let number else { return "—" }
            return unit == "ms" ? "\(Int(number.rounded())) ms" : String(format: "%.3f", number)
        }
        func change(_ pct: Double?) -> String { pct.map { ($0 > 0 ? "+" : "") + String(format: "%.1f%%", $0) } ?? "—" }
        var body = "<h1>Performance report: \(e(report.name))</h1>"
        body += "<p class=\"muted\">\(e(report.every == "day" ? "Daily" : "Weekly")) report, \(e(RFC3339.format(ms: report.from))) to \(e(RFC3339.format(ms: report.to)))</p>"
        body += "<h2>Web Vitals (RUM p75, this period vs the previous)</h2><table><tr><th>Vital</th><th>p75</th><th>Previous</th><th>Change</th></tr>"
        for vital in report.vitals {
            body += "<tr><td>\(vital.vital.uppercased())</td><td>\(value(vital.p75, vital.unit))</td><td>\(value(vital.previousP75, vital.unit))</td><td>\(change(vital.changePct))</td></tr>"
        }
        body += "</table>" + vitalsChart(report.vitals)
        body += "<h2>Lab scores</h2>"
        body += report.scores.isEmpty ? "<p>No lab audits.</p>" : "<table><tr><th>URL</th><th>Score</th><th>Before the period</th></tr>" + report.scores.map {
            "<tr><td>\(e($0.url))</td><td>\($0.score)</td><td>\($0.previousScore.map(String.init) ?? "—")</td></tr>"
        }.joined() + "</table>"
        body += "<h2>Slowest routes (p95)</h2>"
        body += report.slowestRoutes.isEmpty ? "<p>No requests in the period.</p>" : "<table><tr><th>Service</th><th>Route</th><th>p95</th><th>Requests</th></tr>" + report.slowestRoutes.map {
            "<tr><td>\(e($0.service))</td><td>\(e($0.route))</td><td>\(value($0.p95Ms, "ms"))</td><td>\(Int($0.requests))</td></tr>"
        }.joined() + "</table>"
        body += "<h2>Open issues</h2>"
        body += report.openIssues.isEmpty ? "<p>No open issues.</p>" : "<ul>" + report.openIssues.map { "<li>[\(e($0.severity))] #\($0.id) \(e($0.title))</li>" }.joined() + "</ul>"
        body += "<h2>Optimizations and verdicts</h2>"
        body += report.optimizations.isEmpty ? "<p>No optimizations.</p>" : "<ul>" + report.optimizations.map {
            "<li>#\($0.id) \(e($0.description)): \(e($0.verdict ?? $0.status))\($0.changePct.map { " (" + change($0) + ")" } ?? "")</li>"
        }.joined() + "</ul>"
        body += "<h2>Alert statistics</h2><table><tr><th>Fired</th><th>Resolved</th><th>MTTA</th><th>MTTR</th></tr>"
        body += "<tr><td>\(report.alerts.fired)</td><td>\(report.alerts.resolved)</td><td>\(value(report.alerts.mttaMs, "ms"))</td><td>\(value(report.alerts.mttrMs, "ms"))</td></tr></table>"
        body += "<h2>Uptime per check</h2>"
        body += report.uptime.isEmpty ? "<p>No synthetic checks.</p>" : "<table><tr><th>Check</th><th>Uptime</th></tr>" + report.uptime.map {
            "<tr><td>\(e($0.check))</td><td>\($0.uptimePct.map { String(format: "%.2f%%", $0) } ?? "—")</td></tr>"
        }.joined() + "</table>"
        body += "<h2>Budget status</h2><p>\(e(report.budget))</p>"
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>\(e(report.name))</title><style>
            body{font-family:sans-serif;margin:24px;color:#111}h1{font-size:22px}h2{font-size:16px;margin-top:22px;border-bottom:1px solid #ccc}
            table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:12px}.muted{color:#666}
            </style></head><body>\(body)</body></html>
            """
    }

    /// The millisecond vitals as paired bars (previous grey, this period blue), scaled to the largest.
    static func vitalsChart(_ vitals: [ReportContent.Vital]) -> String {
        let timed = vitals.filter { $0.unit == "ms" }
        let largest = timed.flatMap { [$0.p75 ?? 0, $0.previousP75 ?? 0] }.max() ?? 0
        guard largest > 0 else { return "" }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"480\" height=\"\(timed.count * 34 + 10)\" role=\"img\">"
        for (index, vital) in timed.enumerated() {
            let y = index * 34 + 5
            let previous = (vital.previousP75 ?? 0) / largest * 380
            let current = (vital.p75 ?? 0) / largest * 380
            svg += "<text x=\"0\" y=\"\(y + 18)\" font-size=\"11\">\(vital.vital.uppercased())</text>"
            svg += "<rect x=\"60\" y=\"\(y)\" width=\"\(String(format: "%.1f", previous))\" height=\"12\" fill=\"#bbb\"/>"
            svg += "<rect x=\"60\" y=\"\(y + 14)\" width=\"\(String(format: "%.1f", current))\" height=\"12\" fill=\"#2563eb\"/>"
        }
        return svg + "</svg>"
    }

    /// Prints the HTML to PDF with headless Chromium (`chromium --headless=new --print-to-pdf`).
    static func pdf(html: String, chromium: String = ReportRendering.chromiumPath()) async throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("perfwatch-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent("report.html")
        let output = directory.appendingPathComponent("report.pdf")
        try Data(html.utf8).write(to: page)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(directory.appendingPathComponent("profile").path)",
            "--print-to-pdf=\(output.path)", "--no-pdf-header-footer", page.absoluteString,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Chromium gets 60 s; a hung browser must not hold the scheduler forever.
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                throw PerfwatchError(.internal, "Chromium did not print the report within 60 s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let data = FileManager.default.contents(atPath: output.path), data.starts(with: Array("%PDF".utf8)) else {
            throw PerfwatchError(.internal, "Chromium (\(chromium)) wrote no PDF (exit status \(process.terminationStatus))")
        }
        return Array(data)
    }

    /// `PERFWATCH_CHROMIUM`, else the first of the usual names on the PATH.
    static func chromiumPath() -> String {
        if let path = ProcessInfo.processInfo.environment["PERFWATCH_CHROMIUM"], !path.isEmpty { return path }
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") { return "\(directory)/\(name)" }
        }
        return "/usr/bin/chromium"
    }

    static func render(_ report: ReportContent, format: ReportSchedule.Format) async throws -> RenderedReport {
        let base = report.name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let day = String(RFC3339.format(ms: report.to).prefix(10))
        switch format {
        case .json: return RenderedReport(bytes: try json(report), contentType: "application/json", fileName: "\(String(base))-\(day).json")
        case .csv: return RenderedReport(bytes: Array(csv(report).utf8), contentType: "text/csv; charset=utf-8", fileName: "\(String(base))-\(day).csv")
        case .pdf: return RenderedReport(bytes: try await pdf(html: html(report)), contentType: "application/pdf", fileName: "\(String(base))-\(day).pdf")
        }
    }
}

import Foundation
import PerfwatchIngest
import PerfwatchModel

/// What `POST /api/v1/audits` accepts: an `AuditReport` (the JSON `perfwatch audit --json` writes)
/// whose fields make sense together. Every refusal names the field.
enum AuditCheck {
    /// Filmstrips make reports large (a few hundred KiB is usual); beyond this a report is refused with 413.
    static let maxBodyBytes = 8 << 20

    static func report(from body: [UInt8]) throws -> AuditReport {
        // Unknown fields are accepted: a newer `perfwatch audit` may add some, and the JSON is stored as sent.
        let report = try JSONValueDecoder(what: "audit", rejectUnknownFields: false).decode(AuditReport.self, from: body)
        if let problem = problem(report) { throw PerfwatchError(.badRequest, "audit: \(problem)") }
        return report
    }

    /// The first inconsistency, as `'field' why`; nil for a usable report.
    static func problem(_ report: AuditReport) -> String? {
        guard let parts = URLComponents(string: report.url), ["http", "https"].contains(parts.scheme?.lowercased() ?? ""),
            !(parts.host ?? "").isEmpty
        else { return "'url' must be an http:// or https:// URL with a host" }
        guard report.url.utf8.count <= 2048 else { return "'url' must be at most 2048 bytes" }
        guard AuditDevice(rawValue: report.device) != nil else { return "'device' must be mobile or desktop" }
        guard (0...100).contains(report.score) else { return "'score' must be from 0 to 100" }
        guard !report.runs.isEmpty else { return "'runs' must hold at least one run" }
        guard report.runs.indices.contains(report.medianRunIndex) else {
            return "'medianRunIndex' must be an index of 'runs' (0 to \(report.runs.count - 1))"
        }
        guard report.startedMs.isFinite, report.startedMs > 0 else { return "'startedMs' must be unix epoch milliseconds" }
        let metrics: [(String, Double?)] = [
            ("fcpMs", report.metrics.fcpMs), ("lcpMs", report.metrics.lcpMs), ("speedIndexMs", report.metrics.speedIndexMs),
            ("tbtMs", report.metrics.tbtMs), ("cls", report.metrics.cls), ("ttfbMs", report.metrics.ttfbMs),
        ]
        for (name, value) in metrics {
            if let value, !(value.isFinite && value >= 0) { return "'metrics.\(name)' must be a number of at least 0" }
        }
        for (index, row) in report.requests.enumerated() where !(row.startMs.isFinite && row.endMs.isFinite && row.endMs >= row.startMs) {
            return "'requests[\(index)]' must end at or after its start"
        }
        return nil
    }
}

public import PerfwatchModel
import Foundation

extension AuditReport {
    /// The terminal report: score, metrics, opportunities with savings, resources by type, warnings.
    public var text: String {
        var lines = ["\(url) — \(device), \(runs.count) run(s), median run \(medianRunIndex + 1)", "score \(score)/100", ""]
        func ms(_ value: Double?) -> String { value.map { $0 >= 1000 ? String(format: "%.2f s", $0 / 1000) : String(format: "%.0f ms", $0) } ?? "—" }
        lines += [
            "  First Contentful Paint    \(ms(metrics.fcpMs))",
            "  Largest Contentful Paint  \(ms(metrics.lcpMs))",
            "  Speed Index               \(ms(metrics.speedIndexMs))",
            "  Total Blocking Time       \(ms(metrics.tbtMs))",
            "  Cumulative Layout Shift   \(metrics.cls.map { String(format: "%.3f", $0) } ?? "—")",
            "  Time to First Byte        \(ms(metrics.ttfbMs))",
        ]
        if !opportunities.isEmpty { lines += ["", "Opportunities"] }
        for opportunity in opportunities {
            var saving: [String] = []
            if let ms = opportunity.savingsMs, ms > 0 { saving.append(String(format: "%.0f ms", ms)) }
            if let bytes = opportunity.savingsBytes, bytes > 0 { saving.append(Self.bytes(bytes)) }
            lines.append("  \(opportunity.title) [\(opportunity.id)]" + (saving.isEmpty ? "" : ": saves \(saving.joined(separator: ", "))"))
            for item in opportunity.items.prefix(5) {
                var parts: [String] = []
                if let bytes = item.wastedBytes { parts.append(Self.bytes(bytes)) }
                if let ms = item.wastedMs { parts.append(String(format: "%.0f ms", ms)) }
                lines.append("    \(item.url.isEmpty ? "(page)" : item.url)  \(parts.joined(separator: ", "))  \(item.detail)")
            }
        }
        lines += ["", "Resources"]
        for (type, summary) in resourceSummary.sorted(by: { $0.key < $1.key }) where type != "total" {
            lines.append("  \(type.padding(toLength: 11, withPad: " ", startingAt: 0)) \(summary.requests) request(s), \(Self.bytes(summary.transferBytes))")
        }
        if let total = resourceSummary["total"] { lines.append("  total       \(total.requests) request(s), \(Self.bytes(total.transferBytes))") }
        for (index, run) in runs.enumerated() where run.failed != nil {
            lines.append("run \(index + 1) failed: \(run.failed ?? "")")
        }
        lines += warnings.map { "warning: \($0)" }
        return lines.joined(separator: "\n")
    }

    static func bytes(_ value: Double) -> String {
        value >= 1_048_576 ? String(format: "%.2f MiB", value / 1_048_576) : String(format: "%.1f KiB", value / 1024)
    }
}

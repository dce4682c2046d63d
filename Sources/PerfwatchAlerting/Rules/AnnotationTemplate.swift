internal import Foundation

/// Renders annotation templates such as
/// `p95 of {{ $labels.route }} is {{ $value | ms }} (threshold {{ $threshold | ms }})`.
///
/// Variables: `$value` (the instance's current value), `$threshold`, `$labels.NAME`,
/// `$for` (the rule's `for`, humanized). Optional formats after `|`:
/// - `ms` — the number is milliseconds: `850 ms`, `2.4 s`, `1.5 min`
/// - `percent` — a 0..1 ratio: `5.3%`
/// - `bytes` — `2.1 MB` (decimal units, as browsers report transfer sizes)
/// - `humanize` — `1.2k`, `3.4M`
///
/// Without a format a value is printed with at most three significant decimals, so a user
/// reads `2.43`, not `2.4300000000000002`. The template language is deliberately tiny
/// (no Go templates): it only has to put numbers into sentences.
public enum AnnotationTemplate {
    /// The values a template may refer to.
    public struct Context: Sendable {
        public var value: Double?
        public var threshold: Double
        public var labels: [String: String]
        public var pendingFor: Duration

        public init(value: Double?, threshold: Double, labels: [String: String], pendingFor: Duration = .zero) {
            self.value = value
            self.threshold = threshold
            self.labels = labels
            self.pendingFor = pendingFor
        }
    }

    static let formats: Set<String> = ["ms", "percent", "bytes", "humanize"]

    /// Expands every `{{ … }}`; unknown labels render empty (as in Prometheus).
    public static func render(_ template: String, _ context: Context) -> String {
        var output = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                output += rest[open.lowerBound...]
                return output
            }
            output += expand(String(rest[open.upperBound..<close.lowerBound]), context) ?? ""
            rest = rest[close.upperBound...]
        }
        output += rest
        return output
    }

    /// Why a template is invalid, or `nil` when it is fine. Checked when rules are read,
    /// so a typo is reported at load time and not as an empty message at 3 a.m.
    public static func validate(_ template: String) -> String? {
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { return "unclosed {{ in template" }
            let expression = String(rest[open.upperBound..<close.lowerBound])
            let probe = Context(value: 1, threshold: 1, labels: [:])
            if expand(expression, probe) == nil {
                return "unknown template expression {{\(expression)}}; use $value, $threshold, $for, $labels.NAME, optionally | ms, percent, bytes or humanize"
            }
            rest = rest[close.upperBound...]
        }
        return nil
    }

    /// `nil` when the expression is not understood.
    private static func expand(_ expression: String, _ context: Context) -> String? {
        let parts = expression.split(separator: "|", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let variable = parts.first else { return nil }
        let format = parts.count > 1 ? parts[1] : nil
        if let format, !formats.contains(format) { return nil }
        switch variable {
        case "$value":
            guard let value = context.value else { return "no data" }
            return formatNumber(value, as: format)
        case "$threshold":
            return formatNumber(context.threshold, as: format)
        case "$for":
            return AlertDuration.humanize(context.pendingFor)
        default:
            guard variable.hasPrefix("$labels.") else { return nil }
            let name = String(variable.dropFirst("$labels.".count))
            guard !name.isEmpty else { return nil }
            return context.labels[name] ?? ""
        }
    }

    /// Formats a number for a message; see the type's documentation for the formats.
    public static func formatNumber(_ value: Double, as format: String? = nil) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf") }
        switch format {
        case "ms":
            let magnitude = abs(value)
            if magnitude < 1000 { return plain(value) + " ms" }
            if magnitude < 60_000 { return plain(value / 1000) + " s" }
            if magnitude < 3_600_000 { return plain(value / 60_000) + " min" }
            return plain(value / 3_600_000) + " h"
        case "percent":
            return plain(value * 100) + "%"
        case "bytes":
            return scaled(value, units: [(1e9, " GB"), (1e6, " MB"), (1e3, " kB")], base: " B")
        case "humanize":
            return scaled(value, units: [(1e9, "G"), (1e6, "M"), (1e3, "k")], base: "")
        default:
            return plain(value)
        }
    }

    private static func scaled(_ value: Double, units: [(Double, String)], base: String) -> String {
        for (size, suffix) in units where abs(value) >= size { return plain(value / size) + suffix }
        return plain(value) + base
    }

    /// Up to three significant decimals, no trailing zeros: 2400 → `2400`, 2.4312 → `2.43`,
    /// 0.000123 → `0.000123`.
    static func plain(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        let magnitude = abs(value)
        let decimals = magnitude >= 100 ? 1 : magnitude >= 1 ? 2 : max(2, Int(-log10(magnitude).rounded(.down)) + 3)
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}

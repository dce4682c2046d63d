internal import Foundation

/// The duration notation of rule and channel files: `500ms`, `30s`, `5m`, `1h`, `1d`,
/// combinations like `1h30m` (as in Prometheus), or `0`.
public enum AlertDuration {
    private static let units: [(suffix: String, nanoseconds: Int64)] = [
        ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
        ("d", 86_400_000_000_000), ("w", 604_800_000_000_000),
    ]

    /// Parses a duration; `nil` when the text is not one.
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "0" { return .zero }
        var rest = Substring(trimmed)
        var total: Int64 = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && ($0.isNumber || $0 == ".") })
            guard !digits.isEmpty, let number = Double(digits), number >= 0 else { return nil }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix(while: { $0.isLetter })
            guard let unit = units.first(where: { $0.suffix == letters }) else { return nil }
            rest = rest.dropFirst(letters.count)
            // Checked: a duration comes from a rule file or an API caller; one past what
            // nanoseconds in an Int64 hold (about 292 years) is not a duration we can use.
            let nanoseconds = (number * Double(unit.nanoseconds)).rounded()
            guard nanoseconds < 9_223_372_036_854_775_808.0 else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(Int64(nanoseconds))
            guard !overflow else { return nil }
            total = sum
        }
        return .nanoseconds(total)
    }

    /// Formats a duration the way it would be written in a rule file: `5m`, `1h30m`, `250ms`.
    public static func format(_ duration: Duration) -> String {
        let ms = duration.milliseconds
        if ms == 0 { return "0s" }
        if ms % 1000 != 0 { return "\(ms)ms" }
        var seconds = ms / 1000
        var text = ""
        for (suffix, size) in [("h", Int64(3600)), ("m", 60), ("s", 1)] where seconds >= size {
            text += "\(seconds / size)\(suffix)"
            seconds %= size
        }
        return text
    }

    /// Formats for people: `5 min`, `1 h 30 min`, `45 s`.
    public static func humanize(_ duration: Duration) -> String {
        let totalSeconds = duration.milliseconds / 1000
        if totalSeconds < 60 { return "\(totalSeconds) s" }
        let hours = totalSeconds / 3600, minutes = (totalSeconds % 3600) / 60
        if hours == 0 { return "\(minutes) min" }
        return minutes == 0 ? "\(hours) h" : "\(hours) h \(minutes) min"
    }
}

extension Duration {
    /// Whole milliseconds, the time unit of alert timestamps.
    package var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

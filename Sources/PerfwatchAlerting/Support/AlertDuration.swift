internal import Foundation

/// How alert durations are written back: in rule files and API answers (`format`), and for
/// people (`humanize`). They are read with `DurationText` (PerfwatchModel), the one grammar.
public enum AlertDuration {
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

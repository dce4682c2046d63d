/// Parsing and printing of the rate notation used in scenario files and flags, and the
/// formats of the report.
///
/// Durations are `DurationText` (PerfwatchModel), with a bare number read as seconds as the
/// load notation always documented: `500ms`, `1.5s`, `2m`, `1h30m`, `30`.
/// Rates: `50`, `50/s`, `3000/m`, `10/h` (requests per unit; a bare number is per second).
public enum LoadNotation {

    /// Parses a rate into requests per second; `nil` when the text is not one.
    public static func rate(_ text: String) -> Double? {
        let trimmed = text.trimmingSpaces()
        var number = Substring(trimmed)
        var perSeconds = 1.0
        if let slash = trimmed.firstIndex(of: "/") {
            number = trimmed[..<slash]
            switch trimmed[trimmed.index(after: slash)...].trimmingSpaces() {
            case "s", "sec", "second": perSeconds = 1
            case "m", "min", "minute": perSeconds = 60
            case "h", "hour": perSeconds = 3600
            default: return nil
            }
        }
        guard let value = Double(number.trimmingSpaces()), value >= 0, value.isFinite else { return nil }
        return value / perSeconds
    }

    /// Formats a latency given in microseconds for tables: `850µs`, `12.3ms`, `1.24s`.
    public static func formatMicros(_ micros: Double) -> String {
        if micros < 1000 { return "\(Int(micros.rounded()))µs" }
        if micros < 1_000_000 { return fixed(micros / 1000, micros < 100_000 ? 2 : 1) + "ms" }
        return fixed(micros / 1_000_000, 2) + "s"
    }

    /// Formats seconds as `1m05s` or `42s` for the progress line.
    static func formatSeconds(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.down))
        return whole >= 60 ? "\(whole / 60)m\(whole % 60 < 10 ? "0" : "")\(whole % 60)s" : "\(whole)s"
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        let integer = scaled / Int(scale)
        var fraction = String(abs(scaled) % Int(scale))
        while fraction.count < digits { fraction = "0" + fraction }
        return digits == 0 ? "\(integer)" : "\(value < 0 && integer == 0 ? "-" : "")\(integer).\(fraction)"
    }
}

extension Duration {
    /// Whole nanoseconds; scenario durations are far below the 292-year Int64 limit.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    var seconds: Double { Double(nanoseconds) / 1e9 }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}

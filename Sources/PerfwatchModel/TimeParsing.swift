import Foundation

/// Parses the time and duration forms every endpoint accepts.
public enum TimeParsing {
    /// The unix-ms times every store can hold: those whose nanoseconds fit in an Int64 (about
    /// 1677-09-21 to 2262-04-11). Parsed times outside it are clamped to it, so a range like
    /// `to=9999-12-31T23:59:59Z` means "until the end" and never overflows later arithmetic.
    public static let representableMs: ClosedRange<Int64> = (Int64.min / 1_000_000 + 1)...(Int64.max / 1_000_000)

    /// Unix ms, RFC 3339, `now`, or relative to now (`-1h`, `-15m`, `-7d`, `+2h`; `DurationText`), clamped to
    /// `representableMs`. nil when the text is none of those (or NaN).
    public static func parseTime(_ text: String, nowMs: Int64) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "now" { return clamp(nowMs) }
        if trimmed.hasPrefix("-"), let duration = relativeMs(trimmed.dropFirst()) {
            return clamp(nowMs.saturatingSubtracting(duration))
        }
        if trimmed.hasPrefix("+"), let duration = relativeMs(trimmed.dropFirst()) {
            return clamp(nowMs.saturatingAdding(duration))
        }
        if let ms = Int64(trimmed) { return clamp(ms) }
        if let ms = Double(trimmed), let integer = Int64(saturating: ms) { return clamp(integer) }
        return parseRFC3339(trimmed).map(clamp)
    }

    /// The `15m` of `-15m` in ms (`DurationText`). One too long for the grammar is still a time: it
    /// saturates, and `clamp` then moves it to the edge of what the store can hold.
    static func relativeMs(_ text: Substring) -> Int64? {
        // `-0` and `-1700000000000` are unix ms, not durations.
        guard text.contains(where: \.isLetter) else { return nil }
        do {
            return try DurationText.parse(String(text)).wholeMilliseconds
        } catch {
            return error.kind == .tooLarge ? Int64.max : nil
        }
    }

    /// `ms` moved into `representableMs`.
    public static func clamp(_ ms: Int64) -> Int64 {
        Swift.min(Swift.max(ms, representableMs.lowerBound), representableMs.upperBound)
    }

    /// RFC 3339 with optional fractional seconds and `Z` or `±hh:mm` offset.
    public static func parseRFC3339(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ length: Int) -> Int? {
            guard start + length <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<start + length] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 20,
            let year = number(0, 4), bytes[4] == UInt8(ascii: "-"),
            let month = number(5, 2), bytes[7] == UInt8(ascii: "-"),
            let day = number(8, 2), bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " "),
            let hour = number(11, 2), bytes[13] == UInt8(ascii: ":"),
            let minute = number(14, 2), bytes[16] == UInt8(ascii: ":"),
            let second = number(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fractionMs = 0.0
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 100.0
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fractionMs += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offsetMinutes = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, let oh = number(index + 1, 2), bytes[index + 3] == UInt8(ascii: ":"),
                let om = number(index + 4, 2)
            else { return nil }
            offsetMinutes = (oh * 60 + om) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return nil
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(fractionMs)
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public static func nowMs() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}

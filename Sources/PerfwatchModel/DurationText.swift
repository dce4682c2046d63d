/// The one duration grammar of every file, flag and API parameter (docs/configuration.md#durations):
///
///     duration = "0" | term { term }
///     term     = number unit
///     number   = digits [ "." digits ] | "." digits
///     unit     = "us" | "ms" | "s" | "m" | "h" | "d" | "w"
///
/// e.g. `0`, `250ms`, `1.5s`, `5m`, `1h30m`, `7d`, `2w`. Surrounding spaces are ignored; no sign, no
/// exponent, no spaces inside. The total must fit an Int64 of nanoseconds (about 292 years): a longer
/// one is refused with `.tooLarge`, never wrapped or trapped on (a duration often comes from an API caller).
public enum DurationText {
    /// What a number without a unit means. Configuration files and the alerting and issue APIs refuse it
    /// (is `5` seconds or minutes?); the load notation and the query `step` parameter documented a bare
    /// number as seconds before the grammars were merged, and keep that (as Prometheus's API does).
    public enum BareNumbers: Sendable {
        case refused
        case seconds
    }

    /// Why a text is not a duration, with a message that says what to write instead.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// Not the grammar at all (`soon`, `5 min`, `-1s`, `1e3s`).
            case malformed
            /// A number without a unit where bare numbers are refused.
            case noUnit
            /// Longer than an Int64 of nanoseconds.
            case tooLarge
        }

        public var kind: Kind
        public var message: String
        public var description: String { message }

        /// A caller's own message (which names the field), completed with this problem's advice when
        /// the caller's generic "expected a duration like …" would not say what is wrong.
        public func explaining(_ callerMessage: String) -> String {
            kind == .malformed ? callerMessage : "\(callerMessage) (\(message))"
        }
    }

    /// Nanoseconds per unit; a unit is the whole run of letters after a number.
    static let unitNanoseconds: [String: Int64] = [
        "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000,
        "h": 3_600_000_000_000, "d": 86_400_000_000_000, "w": 604_800_000_000_000,
    ]

    /// The shortest text of this grammar for whole milliseconds, in the largest unit that divides them
    /// (`60000` → `1m`, `90000` → `90s`, `1500` → `1500ms`), so a written duration reads back the same.
    public static func format(milliseconds: Int64) -> String {
        if milliseconds == 0 { return "0" }
        for (unit, ms) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] where milliseconds % ms == 0 {
            return "\(milliseconds / ms)\(unit)"
        }
        return "\(milliseconds)ms"
    }

    /// Parses `text` as a duration of the grammar above.
    public static func parse(_ text: String, bareNumbers: BareNumbers = .refused) throws(Problem) -> Duration {
        let trimmed = text.trimmingSpaces
        let malformed = Problem(kind: .malformed, message: "\"\(trimmed)\" is not a duration like 500ms, 1.5s, 5m, 1h30m or 7d")
        if trimmed == "0" { return .zero }
        var rest = Substring(trimmed)
        guard !rest.isEmpty else { throw malformed }
        var total: Int64 = 0
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && ($0.isNumber || $0 == ".") })
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix(while: { $0.isASCII && $0.isLetter })
            rest = rest.dropFirst(unit.count)
            guard let number = Number(digits) else { throw malformed }
            let nanoseconds: Int64
            if unit.isEmpty {
                // Only a whole text that is one number gets here without a unit.
                guard rest.isEmpty, total == 0, number.text.count == trimmed.count else { throw malformed }
                guard bareNumbers == .seconds else {
                    throw Problem(kind: .noUnit, message: "\"\(trimmed)\" has no unit; write \(trimmed)s for seconds, \(trimmed)m for minutes or \(trimmed)ms for milliseconds")
                }
                nanoseconds = try number.times(unitNanoseconds["s"]!, in: trimmed)
            } else {
                guard let size = unitNanoseconds[String(unit)] else { throw malformed }
                nanoseconds = try number.times(size, in: trimmed)
            }
            let (sum, overflow) = total.addingReportingOverflow(nanoseconds)
            guard !overflow else { throw tooLarge(trimmed) }
            total = sum
        }
        return .nanoseconds(total)
    }

    static func tooLarge(_ text: String) -> Problem {
        Problem(kind: .tooLarge, message: "\"\(text)\" is longer than the longest duration, about 292 years (106751d)")
    }

    /// One `digits[.digits]` term, kept as text so the whole part is exact.
    struct Number {
        var text: Substring
        var whole: Int64?
        var fraction: Double

        init?(_ text: Substring) {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard !text.isEmpty, parts.count <= 2, text.contains(where: \.isNumber) else { return nil }
            self.text = text
            whole = parts[0].isEmpty ? 0 : Int64(parts[0])
            // At most 18 digits count: nanoseconds of a week have 15.
            fraction = parts.count == 2 && !parts[1].isEmpty ? Double("0." + parts[1].prefix(18)) ?? 0 : 0
        }

        /// The term in nanoseconds, checked (`CheckedArithmetic`'s rule: a number from outside never traps).
        func times(_ unit: Int64, in source: String) throws(Problem) -> Int64 {
            guard let whole else { throw DurationText.tooLarge(source) }
            let (product, overflow) = whole.multipliedReportingOverflow(by: unit)
            guard !overflow, let part = Int64(saturating: (fraction * Double(unit)).rounded()) else { throw DurationText.tooLarge(source) }
            let (sum, sumOverflow) = product.addingReportingOverflow(part)
            guard !sumOverflow else { throw DurationText.tooLarge(source) }
            return sum
        }
    }
}

extension Duration {
    /// Whole milliseconds (rounded toward zero), the unit of stored times and of the millisecond APIs.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.saturatingMultiplied(by: 1000).saturatingAdding(attoseconds / 1_000_000_000_000_000)
    }

    /// Milliseconds with the fraction kept (budget limits such as `0.5ms`).
    public var fractionalMilliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}

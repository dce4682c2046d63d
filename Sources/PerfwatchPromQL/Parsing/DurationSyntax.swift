/// Prometheus' duration grammar (`model.ParseDuration`): integer amounts with units from largest to smallest,
/// each unit at most once: `1y2w3d4h5m6s7ms`. No fractions (`1.5m` is an error), no bare numbers.
public enum DurationSyntax {
    static let units: [(String, Int64)] = [
        ("y", 365 * 24 * 3_600_000), ("w", 7 * 24 * 3_600_000), ("d", 24 * 3_600_000), ("h", 3_600_000),
        ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// Milliseconds, or nil when `text` is not a duration.
    public static func parse(_ text: String) -> Int64? {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        var total: Int64 = 0
        var lastUnitRank = -1
        guard !scalars.isEmpty else { return nil }
        while index < scalars.count {
            var amount: Int64 = 0
            let digitsStart = index
            while index < scalars.count, Lexer.isDigit(scalars[index]) {
                let (product, overflow1) = amount.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = product.addingReportingOverflow(Int64(scalars[index].value - 48))
                guard !overflow1, !overflow2 else { return nil }
                amount = sum
                index += 1
            }
            guard index > digitsStart else { return nil }
            var unit = ""
            while index < scalars.count, !Lexer.isDigit(scalars[index]) {
                unit.unicodeScalars.append(scalars[index])
                index += 1
            }
            guard let rank = units.firstIndex(where: { $0.0 == unit }), rank > lastUnitRank else { return nil }
            lastUnitRank = rank
            let (part, overflow) = amount.multipliedReportingOverflow(by: units[rank].1)
            guard !overflow else { return nil }
            total += part
        }
        return total
    }

    /// The canonical form Prometheus prints: `1h30m`, `5m`, `0s`.
    public static func format(_ milliseconds: Int64) -> String {
        if milliseconds == 0 { return "0s" }
        if milliseconds < 0 { return "-" + format(-milliseconds) }
        var rest = milliseconds
        var out = ""
        for (unit, size) in units where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }
}

import Foundation

/// What to EXPLAIN for one statement, or why not. The span's sample is used when it carries
/// literals (the app's real values: the planner's estimates depend on them); a statement with
/// `$n` and no such sample cannot be planned on PostgreSQL 15 (`EXPLAIN (GENERIC_PLAN)` is 16+).
/// Only SELECT, INSERT, UPDATE, DELETE and VALUES have plans; `ANALYZE` (which runs the
/// statement) only for a plain SELECT and only when allowed.
enum ExplainInput: Equatable {
    case explain(statement: String, parametersUsed: Bool, analyze: Bool)
    case skip(reason: String)

    static let unknownParameters = "parameters unknown: no recent sample with values"
    static let plannable: Set<String> = ["SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "VALUES", "TABLE"]

    /// What pg_stat_statements shows instead of another role's statement without `pg_read_all_stats`.
    static let hiddenText = "<insufficient privilege>"

    static func decide(statsQuery: String?, sample: String?, allowAnalyze: Bool) -> ExplainInput {
        if sample == nil && statsQuery == hiddenText {
            return .skip(reason: "statement text hidden: the advisor's role needs pg_read_all_stats (pg_monitor includes it)")
        }
        let text = sample ?? statsQuery ?? ""
        let keyword = firstKeyword(text)
        guard plannable.contains(keyword) else {
            return .skip(reason: "\(keyword.isEmpty ? "empty" : keyword) is a DDL or utility statement: only SELECT, INSERT, UPDATE, DELETE and VALUES have plans")
        }
        let analyze = allowAnalyze && keyword == "SELECT"
        if let sample, !hasPlaceholders(sample) {
            return .explain(statement: sample, parametersUsed: statsQuery.map(hasPlaceholders) ?? false, analyze: analyze)
        }
        if let statsQuery, !hasPlaceholders(statsQuery) { return .explain(statement: statsQuery, parametersUsed: false, analyze: analyze) }
        return .skip(reason: unknownParameters)
    }

    static func firstKeyword(_ text: String) -> String {
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0.isWhitespace || $0 == "(" }
            if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*"), let end = rest.range(of: "*/") {
                rest = rest[end.upperBound...]
            } else {
                break
            }
        }
        return String(rest.prefix { $0.isLetter }).uppercased()
    }

    /// `$1` or a bare `?` outside string literals and quoted identifiers.
    static func hasPlaceholders(_ text: String) -> Bool {
        var quote: Character?
        var previous: Character = " "
        for char in text {
            if let open = quote {
                if char == open { quote = nil }
            } else if char == "'" || char == "\"" {
                quote = char
            } else if char == "?" {
                return true
            } else if char.isNumber && previous == "$" {
                return true
            }
            previous = char
        }
        return false
    }
}

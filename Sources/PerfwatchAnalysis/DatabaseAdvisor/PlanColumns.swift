/// The column references in one plan expression as PostgreSQL prints it (`((o.status)::text =
/// 'paid'::text)`, `(customer_id = ANY ('{1,2}'::integer[]))`): identifiers that are not
/// keywords, function names, type names after `::`, string literals or parameters. A qualifier
/// (`o.status`) is the alias it names.
struct ColumnReference: Hashable, Sendable {
    var qualifier: String?
    var column: String
}

enum PlanColumns {
    static let notColumns: Set<String> = [
        "and", "or", "not", "is", "null", "true", "false", "any", "all", "array", "like", "ilike", "in", "subplan", "hashed", "initplan",
        "case", "when", "then", "else", "end", "distinct", "from", "between", "some", "exists", "returns", "desc", "asc", "nulls", "first", "last",
        "using", "collate",
    ]

    static func references(in expression: String) -> [ColumnReference] {
        let chars = Array(expression)
        var result: [ColumnReference] = []
        var index = 0
        func isWordChar(_ char: Character) -> Bool { char.isLetter || char.isNumber || char == "_" || char == "$" }
        while index < chars.count {
            let char = chars[index]
            if char == "'" {
                // A string literal, '' escaping a quote.
                index += 1
                while index < chars.count {
                    if chars[index] == "'" {
                        if index + 1 < chars.count && chars[index + 1] == "'" { index += 2; continue }
                        break
                    }
                    index += 1
                }
                index += 1
            } else if char == ":" && index + 1 < chars.count && chars[index + 1] == ":" {
                // A cast: the type name may be several words (`timestamp without time zone`) and `[]`.
                index += 2
                while index < chars.count && (isWordChar(chars[index]) || chars[index] == " " || chars[index] == "[" || chars[index] == "]"
                    || chars[index] == "\"")
                {
                    if chars[index] == " ", index + 1 < chars.count, !(chars[index + 1].isLetter) { break }
                    index += 1
                }
            } else if char.isLetter || char == "_" || char == "\"" {
                var parts: [String] = []
                var end = index
                while end < chars.count {
                    var part = ""
                    if chars[end] == "\"" {
                        end += 1
                        while end < chars.count && chars[end] != "\"" { part.append(chars[end]); end += 1 }
                        end += 1
                    } else {
                        while end < chars.count && isWordChar(chars[end]) { part.append(chars[end]); end += 1 }
                    }
                    parts.append(part)
                    guard end < chars.count, chars[end] == ".", end + 1 < chars.count, chars[end + 1].isLetter || chars[end + 1] == "\"" else { break }
                    end += 1
                }
                index = end
                let isFunction = index < chars.count && chars[index] == "("
                guard let column = parts.last, !isFunction, !column.isEmpty, !notColumns.contains(column.lowercased()) else { continue }
                result.append(ColumnReference(qualifier: parts.count > 1 ? parts[parts.count - 2] : nil, column: column))
            } else if isWordChar(char) {
                // Numbers and $n parameters.
                while index < chars.count && (isWordChar(chars[index]) || chars[index] == ".") { index += 1 }
            } else {
                index += 1
            }
        }
        var seen: Set<ColumnReference> = []
        return result.filter { seen.insert($0).inserted }
    }
}

/// `label_replace` and `label_join`.
extension Evaluator {
    func labelReplace(_ args: [Expr], _ t: Int64) throws -> [VectorElement] {
        let destination = try evalString(args[1], t)
        let replacement = try evalString(args[2], t)
        let sourceLabel = try evalString(args[3], t)
        let pattern = try evalString(args[4], t)
        let regex: AnchoredRegex
        do {
            regex = try AnchoredRegex(pattern)
        } catch {
            throw PromQLError.execution("invalid regular expression in label_replace(): \(pattern)")
        }
        guard Self.isValidLabelName(destination) else { throw PromQLError.execution("invalid destination label name in label_replace(): \(destination)") }
        let out = try evalVector(args[0], t).map { element -> VectorElement in
            guard let match = regex.match(element.labels.value(of: sourceLabel)) else { return element }
            var copy = element
            copy.labels.set(destination, Self.expand(replacement, match))
            return copy
        }
        return try requireUniqueLabels(out)
    }

    func labelJoin(_ args: [Expr], _ t: Int64) throws -> [VectorElement] {
        let destination = try evalString(args[1], t)
        let separator = try evalString(args[2], t)
        let sources = try args.dropFirst(3).map { try evalString($0, t) }
        guard Self.isValidLabelName(destination) else { throw PromQLError.execution("invalid destination label name in label_join(): \(destination)") }
        let out = try evalVector(args[0], t).map { element -> VectorElement in
            var copy = element
            copy.labels.set(destination, sources.map { element.labels.value(of: $0) }.joined(separator: separator))
            return copy
        }
        return try requireUniqueLabels(out)
    }

    static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, Lexer.isIdentifierStart(first) else { return false }
        return name.unicodeScalars.allSatisfy { Lexer.isIdentifierStart($0) || Lexer.isDigit($0) }
    }

    /// Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}`, `$$`; a name is the longest run of word characters,
    /// and an unknown group expands to nothing.
    static func expand(_ template: String, _ match: Regex<AnyRegexOutput>.Match) -> String {
        let scalars = Array(template.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        func group(_ name: String) -> String {
            if let number = Int(name) {
                guard number < match.output.count, let substring = match.output[number].substring else { return "" }
                return String(substring)
            }
            guard let named = match.output[name], let substring = named.substring else { return "" }
            return String(substring)
        }
        while index < scalars.count {
            let c = scalars[index]
            guard c == "$", index + 1 < scalars.count else {
                out.append(c)
                index += 1
                continue
            }
            let next = scalars[index + 1]
            if next == "$" {
                out.append("$")
                index += 2
            } else if next == "{", let close = scalars[(index + 2)...].firstIndex(of: "}") {
                out.append(contentsOf: group(String(String.UnicodeScalarView(scalars[(index + 2)..<close]))).unicodeScalars)
                index = close + 1
            } else {
                var end = index + 1
                while end < scalars.count, Lexer.isIdentifierStart(scalars[end]) || Lexer.isDigit(scalars[end]) { end += 1 }
                if end == index + 1 {
                    out.append(c)
                    index += 1
                } else {
                    out.append(contentsOf: group(String(String.UnicodeScalarView(scalars[(index + 1)..<end]))).unicodeScalars)
                    index = end
                }
            }
        }
        return String(out)
    }
}

import PerfwatchModel
import Foundation

/// Text with `{{ name }}` placeholders, split once at compile time so that rendering per
/// request is a concatenation, not a search.
struct Template: Sendable {
    enum Part: Sendable {
        case literal(String)
        case variable(String)
    }

    let parts: [Part]

    init(_ text: String) {
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            if open.lowerBound > rest.startIndex { parts.append(.literal(String(rest[..<open.lowerBound]))) }
            parts.append(.variable(rest[open.upperBound..<close.lowerBound].trimmingSpaces()))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        self.parts = parts
    }

    /// The text when there is no placeholder, so requests can be built once.
    var constant: String? {
        if parts.isEmpty { return "" }
        if parts.count == 1, case .literal(let text) = parts[0] { return text }
        return nil
    }

    var variableNames: [String] {
        parts.compactMap { if case .variable(let name) = $0 { name } else { nil } }
    }

    /// Substitutes variables; unknown names render as empty text (reported by validation).
    func render(_ variables: [String: String], escape: ((String) -> String)? = nil) -> String {
        var result = ""
        for part in parts {
            switch part {
            case .literal(let text): result += text
            case .variable(let name):
                let value = variables[name] ?? ""
                result += escape?(value) ?? value
            }
        }
        return result
    }

    /// Escapes a value placed inside a JSON string literal: `JSONString`'s quoting without the quotes.
    static func jsonEscape(_ value: String) -> String {
        var quoted = ""
        JSONString.append(value, to: &quoted)
        return String(quoted.dropFirst().dropLast())
    }
}

internal import Foundation

/// An Alertmanager-style label matcher: `severity=critical`, `env!=dev`,
/// `service=~"api|web"`, `route!~/health.*`. Regular expressions are anchored at both
/// ends, as in Alertmanager; a missing label matches as the empty string.
public struct LabelMatcher: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Operator: String, Sendable, Codable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case regexMatch = "=~"
        case regexNoMatch = "!~"
    }

    public var name: String
    public var op: Operator
    public var value: String
    private let regex: RegexBox?

    /// Builds a matcher; throws when a regular expression does not compile.
    public init(name: String, op: Operator, value: String) throws(AlertingError) {
        self.name = name
        self.op = op
        self.value = value
        if op == .regexMatch || op == .regexNoMatch {
            do {
                regex = RegexBox(try NSRegularExpression(pattern: "^(?:" + value + ")$"))
            } catch {
                throw AlertingError(code: "invalid_matcher", message: "invalid regular expression \"\(value)\"")
            }
        } else {
            regex = nil
        }
    }

    /// Parses the text form; the error names the problem (the caller adds the field).
    public init(parsing text: String) throws(AlertingError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let nameEnd = trimmed.firstIndex { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") } ?? trimmed.endIndex
        let name = String(trimmed[..<nameEnd])
        let rest = trimmed[nameEnd...]
        guard !name.isEmpty, let op = Operator.allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count }).first(where: { rest.hasPrefix($0.rawValue) })
        else {
            throw AlertingError(code: "invalid_matcher", message: "expected a matcher like name=value, name!=value, name=~regex or name!~regex; got \"\(text)\"")
        }
        var value = rest.dropFirst(op.rawValue.count).trimmingCharacters(in: .whitespaces)
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
        try self.init(name: name, op: op, value: value)
    }

    public func matches(_ labels: [String: String]) -> Bool {
        let actual = labels[name] ?? ""
        switch op {
        case .equal: return actual == value
        case .notEqual: return actual != value
        case .regexMatch: return regex?.matches(actual) ?? false
        case .regexNoMatch: return !(regex?.matches(actual) ?? false)
        }
    }

    public var description: String {
        let quoted = value.contains(where: { $0 == " " || $0 == "," }) ? "\"\(value)\"" : value
        return name + op.rawValue + quoted
    }

    public static func == (lhs: LabelMatcher, rhs: LabelMatcher) -> Bool {
        lhs.name == rhs.name && lhs.op == rhs.op && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(op)
        hasher.combine(value)
    }

    enum CodingKeys: String, CodingKey { case name, op, value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            name: container.decode(String.self, forKey: .name), op: container.decode(Operator.self, forKey: .op),
            value: container.decode(String.self, forKey: .value))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(op, forKey: .op)
        try container.encode(value, forKey: .value)
    }
}

extension Array where Element == LabelMatcher {
    /// All matchers match (an empty list matches everything).
    public func matches(_ labels: [String: String]) -> Bool { allSatisfy { $0.matches(labels) } }
}

/// `NSRegularExpression` is immutable once built but not declared `Sendable` everywhere.
private final class RegexBox: @unchecked Sendable {
    let regex: NSRegularExpression
    init(_ regex: NSRegularExpression) { self.regex = regex }
    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

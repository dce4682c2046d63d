/// The four Prometheus matchers.
public enum MatchType: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case regexMatch = "=~"
    case regexNoMatch = "!~"
}

/// A compiled, fully anchored regular expression (Prometheus anchors every label regex: `^(?:re)$`).
/// Swift's `Regex` is not declared `Sendable`; this box is immutable after init and only ever read.
public final class AnchoredRegex: @unchecked Sendable {
    public let pattern: String
    let regex: Regex<AnyRegexOutput>

    public init(_ pattern: String) throws {
        self.pattern = pattern
        do {
            regex = try Regex("^(?:" + pattern + ")$")
        } catch {
            throw AnchoredRegexError(pattern: pattern, reason: "\(error)")
        }
    }

    public func matches(_ text: String) -> Bool {
        (try? regex.wholeMatch(in: text)) != nil
    }

    /// The whole match's groups, for `label_replace`'s `$1` / `$name` expansion; nil when it does not match.
    func match(_ text: String) -> Regex<AnyRegexOutput>.Match? {
        try? regex.wholeMatch(in: text)
    }
}

public struct AnchoredRegexError: Error, Sendable {
    public let pattern: String
    public let reason: String
}

/// One matcher of a selector: `name op "value"`.
public struct LabelMatcher: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let type: MatchType
    public let value: String
    /// Present for `=~` and `!~`.
    public let regex: AnchoredRegex?

    public init(name: String, type: MatchType, value: String) throws {
        self.name = name
        self.type = type
        self.value = value
        switch type {
        case .regexMatch, .regexNoMatch: regex = try AnchoredRegex(value)
        case .equal, .notEqual: regex = nil
        }
    }

    public func matches(_ labelValue: String) -> Bool {
        switch type {
        case .equal: labelValue == value
        case .notEqual: labelValue != value
        case .regexMatch: regex!.matches(labelValue)
        case .regexNoMatch: !regex!.matches(labelValue)
        }
    }

    public func matches(_ labels: Labels) -> Bool { matches(labels.value(of: name)) }

    /// Prometheus refuses selectors whose every matcher also matches a missing label (`{a=~".*"}`).
    public var matchesEmpty: Bool { matches("") }

    public var description: String { "\(name)\(type.rawValue)\(quotedPromQLString(value))" }

    public static func == (lhs: LabelMatcher, rhs: LabelMatcher) -> Bool {
        lhs.name == rhs.name && lhs.type == rhs.type && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(type)
        hasher.combine(value)
    }
}

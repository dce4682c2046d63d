public import PerfwatchConfig

/// An error of the alerting subsystem: a stable code for the HTTP layer to map, a
/// human message, and where the problem is (file, line, field) when it comes from input.
///
/// `description` reads like a compiler diagnostic, e.g.
/// `rules/api.yml:12: groups[0].rules[1].op: expected one of >, >=, <, <=, ==, !=; got "=>"`.
public struct AlertingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable machine-readable code (`invalid_field`, `yaml_syntax`, `delivery_failed`, …).
    public var code: String
    /// What is wrong, without the location prefix.
    public var message: String
    /// The file the input came from, if any.
    public var file: String?
    /// 1-based line in `file` (or in the submitted text), if known.
    public var line: Int?
    /// Path of the offending field, e.g. `groups[0].rules[1].op`.
    public var field: String?

    public init(code: String, message: String, file: String? = nil, line: Int? = nil, field: String? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.field = field
    }

    public var description: String {
        var prefix = ""
        if let file { prefix += file + ":" }
        if let line { prefix += (file == nil ? "line " : "") + "\(line):" }
        if !prefix.isEmpty { prefix += " " }
        if let field, !field.isEmpty { prefix += field + ": " }
        return prefix + message
    }

    /// An input error found by the configuration reader (rule files, the `alerting:` section, rule JSON).
    public init(_ error: ConfigError) {
        self.init(code: error.code, message: error.message, file: error.file, line: error.line, field: error.field)
    }
}

/// Several input errors found in one pass, so a user fixes them all at once.
public struct AlertingErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [AlertingError]
    public init(_ errors: [AlertingError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

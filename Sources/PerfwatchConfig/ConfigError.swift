/// A problem in a file the product reads (server configuration, rule files, load scenarios,
/// budgets), or in JSON read the same way: a stable code, a message, and where (file, line, field).
///
/// `description` reads like a compiler diagnostic, e.g.
/// `rules/api.yml:12: groups[0].rules[1].op: expected one of >, >=, <, <=, ==, !=; got "=>"`,
/// or `line 3: budgets[0].p95: …` when the text has no file name.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable machine-readable code: `invalid_field`, `yaml_syntax`, `invalid_json`, or a reader's own.
    public var code: String
    /// What is wrong, without the location prefix.
    public var message: String
    /// The file the input came from, if any.
    public var file: String?
    /// 1-based line in `file` (or in the submitted text), if known.
    public var line: Int?
    /// Path of the offending field, e.g. `groups[0].rules[1].op`.
    public var field: String?

    public init(code: String = "invalid_field", message: String, file: String? = nil, line: Int? = nil, field: String? = nil) {
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
}

/// A place in the query text, 1-based, for error messages in Prometheus' `line:column` form.
public struct SourcePosition: Hashable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// Every failure of the engine, sorted the way Prometheus' HTTP API sorts them: `syntax` and `badData` become
/// 400 `bad_data`, `execution` 422 `execution`, `timeout` 503 `timeout` (the server maps them next session).
public enum PromQLError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Lexing, parsing and type checking: the position is where the offending token starts.
    case syntax(position: SourcePosition, message: String)
    /// A query that parsed but cannot be evaluated (too many samples, duplicate series after matching, bad regex).
    case execution(String)
    /// The deadline passed while evaluating.
    case timeout(String)
    /// Parameters of the query rather than its text: step, time range, the 11,000 points rule.
    case badData(String)

    public var description: String {
        switch self {
        case .syntax(let position, let message): "\(position): \(message)"
        case .execution(let message): message
        case .timeout(let message): message
        case .badData(let message): message
        }
    }
}

/// How a rule compares its query value with the threshold.
public enum ComparisonOperator: String, Sendable, Codable, CaseIterable {
    case greaterThan = ">"
    case greaterOrEqual = ">="
    case lessThan = "<"
    case lessOrEqual = "<="
    case equal = "=="
    case notEqual = "!="
    /// The query returned a value for the label set, whatever it is: a PromQL `expr:` rule without `op`/`threshold`
    /// (Prometheus' semantics: every element the expression returns is an active alert).
    case present

    /// Whether `value op threshold` holds.
    public func holds(_ value: Double, _ threshold: Double) -> Bool {
        switch self {
        case .greaterThan: value > threshold
        case .greaterOrEqual: value >= threshold
        case .lessThan: value < threshold
        case .lessOrEqual: value <= threshold
        case .equal: value == threshold
        case .notEqual: value != threshold
        case .present: true
        }
    }
}

/// What an instance does when its query returns no value.
public enum NoDataPolicy: String, Sendable, Codable, CaseIterable {
    /// Treat as "condition false": pending instances reset, firing ones resolve. The
    /// default, so a rule on a metric nobody sends yet stays quiet.
    case ok
    /// Treat as "condition true": a dead exporter alerts.
    case alerting
    /// Leave every instance as it is until data returns.
    case keep
}

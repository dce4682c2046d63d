/// How a rule compares its query value with the threshold.
public enum ComparisonOperator: String, Sendable, Codable, CaseIterable {
    case greaterThan = ">"
    case greaterOrEqual = ">="
    case lessThan = "<"
    case lessOrEqual = "<="
    case equal = "=="
    case notEqual = "!="

    /// Whether `value op threshold` holds.
    public func holds(_ value: Double, _ threshold: Double) -> Bool {
        switch self {
        case .greaterThan: value > threshold
        case .greaterOrEqual: value >= threshold
        case .lessThan: value < threshold
        case .lessOrEqual: value <= threshold
        case .equal: value == threshold
        case .notEqual: value != threshold
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

/// A function's signature, what the parser checks calls against (Prometheus' `parser.Functions`).
public struct PromFunction: Sendable, Hashable {
    public let name: String
    public let argTypes: [PromValueType]
    /// 0: exactly `argTypes`; n > 0: the last n may be left out; -1: the last type repeats any number of times.
    public let variadic: Int
    public let returnType: PromValueType

    public static func == (lhs: PromFunction, rhs: PromFunction) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    var minimumArgs: Int { variadic > 0 ? argTypes.count - variadic : argTypes.count - (variadic < 0 ? 1 : 0) }
    var maximumArgs: Int? { variadic < 0 ? nil : argTypes.count }

    func argType(at index: Int) -> PromValueType { argTypes[min(index, argTypes.count - 1)] }
}

/// Every function the engine evaluates; a name not here is "unknown function" at parse time.
public enum FunctionTable {
    public static let all: [String: PromFunction] = {
        var table: [String: PromFunction] = [:]
        func add(_ name: String, _ args: [PromValueType], variadic: Int = 0, returns: PromValueType = .vector) {
            table[name] = PromFunction(name: name, argTypes: args, variadic: variadic, returnType: returns)
        }
        for name in ["abs", "ceil", "floor", "exp", "ln", "log2", "log10", "sqrt", "sgn", "timestamp", "sort", "sort_desc", "absent"] {
            add(name, [.vector])
        }
        add("round", [.vector, .scalar], variadic: 1)
        add("clamp", [.vector, .scalar, .scalar])
        add("clamp_min", [.vector, .scalar])
        add("clamp_max", [.vector, .scalar])
        for name in ["rate", "irate", "increase", "delta", "idelta", "deriv", "resets", "changes", "absent_over_time"] {
            add(name, [.matrix])
        }
        for aggregate in ["avg", "min", "max", "sum", "count", "stddev", "stdvar", "last", "present"] {
            add("\(aggregate)_over_time", [.matrix])
        }
        add("quantile_over_time", [.scalar, .matrix])
        add("predict_linear", [.matrix, .scalar])
        add("histogram_quantile", [.scalar, .vector])
        add("label_replace", [.vector, .string, .string, .string, .string])
        add("label_join", [.vector, .string, .string, .string], variadic: -1)
        add("scalar", [.vector], returns: .scalar)
        add("vector", [.scalar])
        add("time", [], returns: .scalar)
        return table
    }()
}

/// The four types a PromQL expression can have (Prometheus' `ValueType`).
public enum PromValueType: String, Sendable, Hashable {
    case scalar
    case string
    case vector = "instant vector"
    case matrix = "range vector"
}

/// `@ <time>`, `@ start()`, `@ end()`: the evaluation time a selector or subquery is pinned to.
public enum AtModifier: Sendable, Hashable {
    case timestamp(Int64)  // milliseconds
    case start
    case end
}

public struct VectorSelector: Sendable, Hashable {
    /// The name written in front of the braces, if any (it is also among `matchers` as `__name__=`).
    public var name: String?
    public var matchers: [LabelMatcher]
    public var offsetMs: Int64 = 0
    public var at: AtModifier?

    public init(name: String?, matchers: [LabelMatcher], offsetMs: Int64 = 0, at: AtModifier? = nil) {
        self.name = name
        self.matchers = matchers
        self.offsetMs = offsetMs
        self.at = at
    }
}

public struct MatrixSelector: Sendable, Hashable {
    public var vector: VectorSelector
    public var rangeMs: Int64
}

public struct Subquery: Sendable, Hashable {
    public var expr: Expr
    public var rangeMs: Int64
    /// nil: `[30m:]`, the engine's default resolution.
    public var stepMs: Int64?
    public var offsetMs: Int64 = 0
    public var at: AtModifier?
}

public enum AggregationOp: String, Sendable, Hashable, CaseIterable {
    case sum, avg, min, max, count, group, stddev, stdvar, topk, bottomk, quantile
    case countValues = "count_values"

    /// Aggregations that take a parameter before the vector, and the parameter's type.
    var parameterType: PromValueType? {
        switch self {
        case .topk, .bottomk, .quantile: .scalar
        case .countValues: .string
        default: nil
        }
    }
}

public struct Aggregation: Sendable, Hashable {
    public enum Grouping: Sendable, Hashable {
        case by([String])
        case without([String])
    }

    public var op: AggregationOp
    public var expr: Expr
    public var parameter: Expr?
    public var grouping: Grouping?
}

public enum BinaryOp: String, Sendable, Hashable, CaseIterable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^", atan2
    case eql = "==", neq = "!=", gtr = ">", lss = "<", gte = ">=", lte = "<="
    case and, or, unless

    /// Prometheus' precedence, low to high: or; and unless; comparisons; + -; * / % atan2; ^.
    var precedence: Int {
        switch self {
        case .or: 1
        case .and, .unless: 2
        case .eql, .neq, .gtr, .lss, .gte, .lte: 3
        case .add, .sub: 4
        case .mul, .div, .mod, .atan2: 5
        case .pow: 6
        }
    }

    var isRightAssociative: Bool { self == .pow }
    var isComparison: Bool { precedence == 3 }
    var isSetOperator: Bool { self == .and || self == .or || self == .unless }
}

/// `on(...)`/`ignoring(...)` and `group_left(...)`/`group_right(...)` of a binary operation between vectors.
public struct VectorMatching: Sendable, Hashable {
    public enum Cardinality: Sendable, Hashable {
        case oneToOne, manyToOne, oneToMany, manyToMany
    }

    public var cardinality: Cardinality = .oneToOne
    /// True for `on(...)`; false for `ignoring(...)` or no clause.
    public var on = false
    /// Whether `on`/`ignoring` was written at all (`on()` differs from nothing).
    public var explicit = false
    public var labels: [String] = []
    /// `group_left(extra)` / `group_right(extra)`: labels copied from the "one" side.
    public var include: [String] = []
}

public struct BinaryExpr: Sendable, Hashable {
    public var op: BinaryOp
    public var lhs: Expr
    public var rhs: Expr
    public var returnBool = false
    public var matching: VectorMatching?
}

public struct FunctionCall: Sendable, Hashable {
    public var function: PromFunction
    public var args: [Expr]
}

/// A parsed PromQL expression. `Paren` is kept (not folded away) so `description` reproduces the grouping.
public indirect enum Expr: Sendable, Hashable {
    case number(Double)
    case string(String)
    case vectorSelector(VectorSelector)
    case matrixSelector(MatrixSelector)
    case subquery(Subquery)
    case call(FunctionCall)
    case aggregation(Aggregation)
    case binary(BinaryExpr)
    case unaryMinus(Expr)
    case paren(Expr)

    public var type: PromValueType {
        switch self {
        case .number: .scalar
        case .string: .string
        case .vectorSelector: .vector
        case .matrixSelector, .subquery: .matrix
        case .call(let call): call.function.returnType
        case .aggregation: .vector
        case .binary(let binary): binary.lhs.type == .scalar && binary.rhs.type == .scalar ? .scalar : .vector
        case .unaryMinus(let inner), .paren(let inner): inner.type
        }
    }

    /// The expression without enclosing parentheses.
    var unparenthesized: Expr {
        if case .paren(let inner) = self { return inner.unparenthesized }
        return self
    }
}

/// Walks a query once to find, per distinct selector, the widest time window any evaluation step can read, so the
/// source is asked once per selector instead of once per step.
struct SelectionPlanner {
    struct Window {
        var fromMs: Int64
        var toMs: Int64
    }

    let queryStartMs: Int64
    let queryEndMs: Int64
    let options: EngineOptions
    private(set) var windows: [[LabelMatcher]: Window] = [:]

    init(queryStartMs: Int64, queryEndMs: Int64, options: EngineOptions) {
        self.queryStartMs = queryStartMs
        self.queryEndMs = queryEndMs
        self.options = options
    }

    /// `fromMs...toMs`: the evaluation times `expr` may be evaluated at.
    mutating func visit(_ expr: Expr, fromMs: Int64, toMs: Int64) {
        switch expr {
        case .number, .string:
            break
        case .vectorSelector(let selector):
            let (from, to) = pinned(selector.at, offsetMs: selector.offsetMs, fromMs: fromMs, toMs: toMs)
            add(selector.matchers, fromMs: from - options.lookbackDeltaMs, toMs: to)
        case .matrixSelector(let matrix):
            let (from, to) = pinned(matrix.vector.at, offsetMs: matrix.vector.offsetMs, fromMs: fromMs, toMs: toMs)
            add(matrix.vector.matchers, fromMs: from - matrix.rangeMs, toMs: to)
        case .subquery(let subquery):
            let (from, to) = pinned(subquery.at, offsetMs: subquery.offsetMs, fromMs: fromMs, toMs: toMs)
            visit(subquery.expr, fromMs: from - subquery.rangeMs, toMs: to)
        case .call(let call):
            for arg in call.args { visit(arg, fromMs: fromMs, toMs: toMs) }
        case .aggregation(let aggregation):
            visit(aggregation.expr, fromMs: fromMs, toMs: toMs)
            if let parameter = aggregation.parameter { visit(parameter, fromMs: fromMs, toMs: toMs) }
        case .binary(let binary):
            visit(binary.lhs, fromMs: fromMs, toMs: toMs)
            visit(binary.rhs, fromMs: fromMs, toMs: toMs)
        case .unaryMinus(let inner), .paren(let inner):
            visit(inner, fromMs: fromMs, toMs: toMs)
        }
    }

    private func pinned(_ at: AtModifier?, offsetMs: Int64, fromMs: Int64, toMs: Int64) -> (Int64, Int64) {
        switch at {
        case .timestamp(let ms)?: (ms - offsetMs, ms - offsetMs)
        case .start?: (queryStartMs - offsetMs, queryStartMs - offsetMs)
        case .end?: (queryEndMs - offsetMs, queryEndMs - offsetMs)
        case nil: (fromMs - offsetMs, toMs - offsetMs)
        }
    }

    private mutating func add(_ matchers: [LabelMatcher], fromMs: Int64, toMs: Int64) {
        if var window = windows[matchers] {
            window.fromMs = min(window.fromMs, fromMs)
            window.toMs = max(window.toMs, toMs)
            windows[matchers] = window
        } else {
            windows[matchers] = Window(fromMs: fromMs, toMs: toMs)
        }
    }
}

/// Evaluates an expression at one time over series fetched beforehand; the step loop of range queries and
/// subqueries calls it once per step. Not shared between tasks: one evaluator per query.
final class Evaluator {
    let series: [[LabelMatcher]: [PromSeries]]
    let options: EngineOptions
    let deadline: ContinuousClock.Instant
    let queryStartMs: Int64
    let queryEndMs: Int64
    /// Samples held so far: fetched ones plus points materialised by subqueries and range steps (max-samples rule).
    private var loadedSamples: Int

    init(
        series: [[LabelMatcher]: [PromSeries]], options: EngineOptions, deadline: ContinuousClock.Instant, queryStartMs: Int64,
        queryEndMs: Int64, loadedSamples: Int
    ) {
        self.series = series
        self.options = options
        self.deadline = deadline
        self.queryStartMs = queryStartMs
        self.queryEndMs = queryEndMs
        self.loadedSamples = loadedSamples
    }

    func checkDeadline() throws {
        if ContinuousClock.now > deadline { throw PromQLError.timeout("query timed out in expression evaluation") }
    }

    func account(_ samples: Int) throws {
        loadedSamples += samples
        if loadedSamples > options.maxSamples { throw PromQLError.tooManySamples }
    }

    // MARK: entry points

    func evaluate(_ expr: Expr, atMs: Int64) throws -> PromValue {
        let value = try eval(expr, atMs)
        if case .vector(let elements) = value {
            // Results of an instant query carry the evaluation time, whatever the samples' own times were.
            return .vector(elements.map { VectorElement(labels: $0.labels, value: $0.value, timestampMs: atMs) })
        }
        return value
    }

    func evaluateRange(_ expr: Expr, startMs: Int64, endMs: Int64, stepMs: Int64) throws -> PromValue {
        var byLabels: [Labels: [PromSample]] = [:]
        var t = startMs
        while t <= endMs {
            try checkDeadline()
            switch try eval(expr, t) {
            case .scalar(_, let value):
                byLabels[Labels(), default: []].append(PromSample(timestampMs: t, value: value))
                try account(1)
            case .vector(let elements):
                for element in elements {
                    byLabels[element.labels, default: []].append(PromSample(timestampMs: t, value: element.value))
                }
                try account(elements.count)
            default:
                throw PromQLError.badData("invalid expression type for range query, must be Scalar or instant Vector")
            }
            t += stepMs
        }
        return .matrix(byLabels.map { PromSeries(labels: $0.key, samples: $0.value) }.sorted { $0.labels < $1.labels })
    }

    // MARK: the one recursive step

    func eval(_ expr: Expr, _ t: Int64) throws -> PromValue {
        switch expr {
        case .number(let value):
            return .scalar(timestampMs: t, value: value)
        case .string(let text):
            return .string(timestampMs: t, value: text)
        case .paren(let inner):
            return try eval(inner, t)
        case .unaryMinus(let inner):
            switch try eval(inner, t) {
            case .scalar(let ts, let value): return .scalar(timestampMs: ts, value: -value)
            case .vector(let elements):
                let negated = elements.map { VectorElement(labels: $0.labels.droppingMetricName, value: -$0.value, timestampMs: t) }
                return .vector(try requireUniqueLabels(negated))
            default: throw PromQLError.execution("unary minus on a value that is neither scalar nor vector")
            }
        case .vectorSelector(let selector):
            return .vector(try instantSelect(selector, t))
        case .matrixSelector(let matrix):
            return .matrix(try rangeSelect(matrix, t).series)
        case .subquery(let subquery):
            return .matrix(try evalSubquery(subquery, t).series)
        case .call(let call):
            return try evalCall(call, t)
        case .aggregation(let aggregation):
            return try evalAggregation(aggregation, t)
        case .binary(let binary):
            return try evalBinary(binary, t)
        }
    }

    func evalVector(_ expr: Expr, _ t: Int64) throws -> [VectorElement] {
        guard case .vector(let elements) = try eval(expr, t) else { throw PromQLError.execution("expected an instant vector: \(expr)") }
        return elements
    }

    func evalScalar(_ expr: Expr, _ t: Int64) throws -> Double {
        guard case .scalar(_, let value) = try eval(expr, t) else { throw PromQLError.execution("expected a scalar: \(expr)") }
        return value
    }

    func evalString(_ expr: Expr, _ t: Int64) throws -> String {
        guard case .string(_, let value) = try eval(expr, t) else { throw PromQLError.execution("expected a string: \(expr)") }
        return value
    }

    /// The time a selector or subquery reads at: `@` pins it, `offset` moves it back.
    func referenceTime(_ at: AtModifier?, offsetMs: Int64, _ t: Int64) -> Int64 {
        switch at {
        case .timestamp(let ms)?: ms - offsetMs
        case .start?: queryStartMs - offsetMs
        case .end?: queryEndMs - offsetMs
        case nil: t - offsetMs
        }
    }

    /// Prometheus refuses results in which two elements have the same labels (e.g. after dropping `__name__`).
    func requireUniqueLabels(_ elements: [VectorElement]) throws -> [VectorElement] {
        var seen = Set<Labels>()
        for element in elements where !seen.insert(element.labels).inserted {
            throw PromQLError.execution("vector cannot contain metrics with the same labelset")
        }
        return elements
    }
}

/// The public face of the engine: instant and range queries over a `PromSeriesSource`.
///
/// A query runs in two phases. `SelectionPlanner` walks the tree once to learn, for every selector, the time window
/// any step can reach (offsets, `@`, ranges and subqueries included), and the engine fetches each window from the
/// source once. `Evaluator` then evaluates step by step, synchronously, over those fetched series: this keeps the
/// source's protocol to a single call and the step loop free of `await`.
public struct PromQLEngine: Sendable {
    public let source: any PromSeriesSource
    public let options: EngineOptions

    public init(source: any PromSeriesSource, options: EngineOptions = EngineOptions()) {
        self.source = source
        self.options = options
    }

    /// An instant query at `atMs` (milliseconds since the epoch).
    public func evaluate(_ expr: Expr, atMs: Int64) async throws -> PromValue {
        let evaluator = try await prepare(expr, startMs: atMs, endMs: atMs)
        return try evaluator.evaluate(expr, atMs: atMs)
    }

    /// Parses `query` and runs it as an instant query.
    public func evaluate(_ query: String, atMs: Int64) async throws -> PromValue {
        try await evaluate(try PromQLParser.parse(query), atMs: atMs)
    }

    /// A range query: the expression at `startMs`, `startMs + stepMs`, … up to `endMs`, as a matrix sorted by labels.
    public func evaluate(_ expr: Expr, startMs: Int64, endMs: Int64, stepMs: Int64) async throws -> PromValue {
        guard stepMs > 0 else { throw PromQLError.badData("zero or negative query resolution step widths are not accepted. Try a positive integer") }
        guard endMs >= startMs else { throw PromQLError.badData("end timestamp must not be before start time") }
        guard !endMs.subtractingReportingOverflow(startMs).overflow, !endMs.addingReportingOverflow(stepMs).overflow else {
            throw PromQLError.badData("time range out of bounds")
        }
        // Prometheus' rule: (end - start) / step may be at most 11,000, i.e. 11,001 points.
        guard (endMs - startMs) / stepMs <= Int64(options.maxPointsPerSeries) else {
            throw PromQLError.badData("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
        }
        guard expr.type == .scalar || expr.type == .vector else {
            throw PromQLError.badData("invalid expression type \"\(expr.type.rawValue)\" for range query, must be Scalar or instant Vector")
        }
        let evaluator = try await prepare(expr, startMs: startMs, endMs: endMs)
        return try evaluator.evaluateRange(expr, startMs: startMs, endMs: endMs, stepMs: stepMs)
    }

    public func evaluate(_ query: String, startMs: Int64, endMs: Int64, stepMs: Int64) async throws -> PromValue {
        try await evaluate(try PromQLParser.parse(query), startMs: startMs, endMs: endMs, stepMs: stepMs)
    }

    private func prepare(_ expr: Expr, startMs: Int64, endMs: Int64) async throws -> Evaluator {
        let deadline = ContinuousClock.now.advanced(by: options.timeout)
        var planner = SelectionPlanner(queryStartMs: startMs, queryEndMs: endMs, options: options)
        planner.visit(expr, fromMs: startMs, toMs: endMs)
        var fetched: [[LabelMatcher]: [PromSeries]] = [:]
        var loaded = 0
        for (matchers, window) in planner.windows {
            let series = try await source.select(matchers, fromMs: window.fromMs, toMs: window.toMs)
            loaded += series.reduce(0) { $0 + $1.samples.count }
            if loaded > options.maxSamples { throw PromQLError.tooManySamples }
            if ContinuousClock.now > deadline { throw PromQLError.timeout("query timed out in query execution") }
            fetched[matchers] = series
        }
        return Evaluator(
            series: fetched, options: options, deadline: deadline, queryStartMs: startMs, queryEndMs: endMs, loadedSamples: loaded)
    }
}

extension PromQLError {
    static let tooManySamples = PromQLError.execution("query processing would load too many samples into memory in query execution")
}

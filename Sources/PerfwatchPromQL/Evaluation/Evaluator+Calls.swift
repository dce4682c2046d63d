import Foundation

/// Function calls: which argument is evaluated how, and which results keep the metric name.
extension Evaluator {
    func evalCall(_ call: FunctionCall, _ t: Int64) throws -> PromValue {
        let name = call.function.name
        let args = call.args
        switch name {
        case "time":
            return .scalar(timestampMs: t, value: Double(t) / 1000)
        case "vector":
            return .vector([VectorElement(labels: Labels(), value: try evalScalar(args[0], t), timestampMs: t)])
        case "scalar":
            let elements = try evalVector(args[0], t)
            return .scalar(timestampMs: t, value: elements.count == 1 ? elements[0].value : .nan)
        case "rate", "increase", "delta", "irate", "idelta", "deriv", "resets", "changes", "predict_linear", "quantile_over_time":
            return .vector(try evalRangeFunction(name, call, t))
        case "absent":
            guard try evalVector(args[0], t).isEmpty else { return .vector([]) }
            return .vector([VectorElement(labels: Self.absentLabels(args[0]), value: 1, timestampMs: t)])
        case "absent_over_time":
            guard try evalRange(args[0], t).series.isEmpty else { return .vector([]) }
            return .vector([VectorElement(labels: Self.absentLabels(args[0]), value: 1, timestampMs: t)])
        case "histogram_quantile":
            return .vector(try histogramQuantile(phi: try evalScalar(args[0], t), try evalVector(args[1], t), t))
        case "label_replace":
            return .vector(try labelReplace(args, t))
        case "label_join":
            return .vector(try labelJoin(args, t))
        case "sort", "sort_desc":
            let descending = name == "sort_desc"
            // NaN sorts last either way (Prometheus' vectorByValueHeap / vectorByReverseValueHeap).
            return .vector(try evalVector(args[0], t).sorted { lhs, rhs in
                if lhs.value.isNaN != rhs.value.isNaN { return rhs.value.isNaN }
                return descending ? lhs.value > rhs.value : lhs.value < rhs.value
            })
        case "timestamp":
            // Of a selector, the samples' own times (Prometheus special-cases exactly this); of anything else,
            // the evaluation time.
            let elements = try evalVector(args[0], t)
            let ofSelector: Bool
            if case .vectorSelector = args[0].unparenthesized { ofSelector = true } else { ofSelector = false }
            return .vector(try requireUniqueLabels(elements.map {
                VectorElement(labels: $0.labels.droppingMetricName, value: Double(ofSelector ? $0.timestampMs : t) / 1000, timestampMs: t)
            }))
        default:
            if name.hasSuffix("_over_time") { return .vector(try evalRangeFunction(name, call, t)) }
            return .vector(try evalMathFunction(name, args, t))
        }
    }

    private func evalRangeFunction(_ name: String, _ call: FunctionCall, _ t: Int64) throws -> [VectorElement] {
        let rangeArgIndex = name == "quantile_over_time" ? 1 : 0
        let selection = try evalRange(call.args[rangeArgIndex], t)
        let phi = name == "quantile_over_time" ? try evalScalar(call.args[0], t) : 0
        let horizon = name == "predict_linear" ? try evalScalar(call.args[1], t) : 0
        // Prometheus 2.42 predicts from the evaluation time, not the end of the (offset) range; with `@` the call is
        // step-invariant and evaluated at the query's start.
        let predictionBase = Self.atModifier(of: call.args[rangeArgIndex]) == nil ? t : queryStartMs
        var out: [VectorElement] = []
        for series in selection.series {
            let samples = series.samples
            let value: Double?
            switch name {
            case "rate", "increase", "delta":
                value = RangeFunctions.extrapolatedRate(
                    samples, rangeStartMs: selection.startMs, rangeEndMs: selection.endMs, isCounter: name != "delta", isRate: name == "rate")
            case "irate": value = RangeFunctions.instantRate(samples, isRate: true)
            case "idelta": value = RangeFunctions.instantRate(samples, isRate: false)
            case "deriv": value = RangeFunctions.deriv(samples)
            case "predict_linear": value = RangeFunctions.predictLinear(samples, atMs: predictionBase, seconds: horizon)
            case "resets": value = RangeFunctions.resets(samples)
            case "changes": value = RangeFunctions.changes(samples)
            case "quantile_over_time": value = RangeFunctions.quantile(phi, samples.map(\.value))
            default: value = RangeFunctions.overTime(name, samples)
            }
            guard let value else { continue }
            // Only last_over_time returns a sample as it was; everything else computed a new value.
            let labels = name == "last_over_time" ? series.labels : series.labels.droppingMetricName
            out.append(VectorElement(labels: labels, value: value, timestampMs: t))
        }
        return try requireUniqueLabels(out)
    }

    private func evalMathFunction(_ name: String, _ args: [Expr], _ t: Int64) throws -> [VectorElement] {
        let elements = try evalVector(args[0], t)
        let transform: (Double) -> Double
        switch name {
        case "abs": transform = { Swift.abs($0) }
        case "ceil": transform = { Foundation.ceil($0) }
        case "floor": transform = { Foundation.floor($0) }
        case "exp": transform = { Foundation.exp($0) }
        case "ln": transform = { Foundation.log($0) }
        case "log2": transform = { Foundation.log2($0) }
        case "log10": transform = { Foundation.log10($0) }
        case "sqrt": transform = { $0.squareRoot() }
        case "sgn": transform = { $0 > 0 ? 1 : $0 < 0 ? -1 : $0 }
        case "round":
            let toNearest = args.count > 1 ? try evalScalar(args[1], t) : 1
            // Prometheus rounds half up via the inverse, so `round(x, 0.1)` avoids 0.1's binary error.
            let inverse = 1 / toNearest
            transform = { Foundation.floor($0 * inverse + 0.5) / inverse }
        case "clamp":
            let low = try evalScalar(args[1], t)
            let high = try evalScalar(args[2], t)
            if high < low { return [] }
            transform = { Self.goMax(low, Self.goMin(high, $0)) }
        case "clamp_min":
            let low = try evalScalar(args[1], t)
            transform = { Self.goMax(low, $0) }
        case "clamp_max":
            let high = try evalScalar(args[1], t)
            transform = { Self.goMin(high, $0) }
        default:
            throw PromQLError.execution("function \(name) is not implemented")
        }
        return try requireUniqueLabels(elements.map {
            VectorElement(labels: $0.labels.droppingMetricName, value: transform($0.value), timestampMs: t)
        })
    }

    static func atModifier(of expr: Expr) -> AtModifier? {
        switch expr.unparenthesized {
        case .matrixSelector(let matrix): matrix.vector.at
        case .subquery(let subquery): subquery.at
        default: nil
        }
    }

    /// Go's math.Max/Min: NaN wins (Swift's max/min would return the other operand).
    static func goMax(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
    static func goMin(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }

    /// `absent(foo{job="x", a=~"y"})` answers `{job="x"}`: the labels its equality matchers pin.
    static func absentLabels(_ expr: Expr) -> Labels {
        let selector: VectorSelector
        switch expr.unparenthesized {
        case .vectorSelector(let vector): selector = vector
        case .matrixSelector(let matrix): selector = matrix.vector
        default: return Labels()
        }
        var labels = Labels()
        var seen: [String: Int] = [:]
        for matcher in selector.matchers where matcher.type == .equal && matcher.name != Labels.metricName {
            seen[matcher.name, default: 0] += 1
            labels.set(matcher.name, matcher.value)
        }
        // A label pinned twice (`{a="x", a="y"}`) cannot be known; Prometheus leaves it out.
        return labels.removing(Set(seen.filter { $0.value > 1 }.keys))
    }

    private func histogramQuantile(phi: Double, _ elements: [VectorElement], _ t: Int64) throws -> [VectorElement] {
        var groups: [Labels: [HistogramQuantile.Bucket]] = [:]
        var order: [Labels] = []
        for element in elements {
            guard let bound = element.labels["le"].flatMap(HistogramQuantile.parseBound) else { continue }
            let key = element.labels.removing(["le", Labels.metricName])
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(HistogramQuantile.Bucket(upperBound: bound, count: element.value))
        }
        return order.map { VectorElement(labels: $0, value: HistogramQuantile.quantile(phi, groups[$0]!, grid: options.sketchGrid), timestampMs: t) }
    }
}

/// Selectors and subqueries: which samples a step sees (lookback, staleness, ranges, subquery alignment).
extension Evaluator {
    /// A matrix and the window it covers, which rate-like functions extrapolate to.
    struct RangeSelection {
        var series: [PromSeries]
        var startMs: Int64
        var endMs: Int64
    }

    /// The latest sample at or before the reference time and no older than the lookback delta; a stale marker there
    /// means the series has ended (Prometheus 2.x: both ends of the lookback window are included).
    func instantSelect(_ selector: VectorSelector, _ t: Int64) throws -> [VectorElement] {
        try checkDeadline()
        let reference = referenceTime(selector.at, offsetMs: selector.offsetMs, t)
        var out: [VectorElement] = []
        for candidate in series[selector.matchers] ?? [] {
            let index = Self.lastIndex(atOrBefore: reference, in: candidate.samples)
            guard let index else { continue }
            let sample = candidate.samples[index]
            guard sample.timestampMs >= reference - options.lookbackDeltaMs, !sample.isStaleMarker else { continue }
            out.append(VectorElement(labels: candidate.labels, value: sample.value, timestampMs: sample.timestampMs))
        }
        return out
    }

    /// Samples in `[reference - range, reference]` (Prometheus 2.x includes both ends), stale markers dropped;
    /// series left with no sample are left out.
    func rangeSelect(_ matrix: MatrixSelector, _ t: Int64) throws -> RangeSelection {
        try checkDeadline()
        let reference = referenceTime(matrix.vector.at, offsetMs: matrix.vector.offsetMs, t)
        let start = reference - matrix.rangeMs
        var out: [PromSeries] = []
        for candidate in series[matrix.vector.matchers] ?? [] {
            let first = Self.firstIndex(atOrAfter: start, in: candidate.samples)
            var samples: [PromSample] = []
            var index = first
            while index < candidate.samples.count, candidate.samples[index].timestampMs <= reference {
                if !candidate.samples[index].isStaleMarker { samples.append(candidate.samples[index]) }
                index += 1
            }
            if !samples.isEmpty { out.append(PromSeries(labels: candidate.labels, samples: samples)) }
        }
        return RangeSelection(series: out, startMs: start, endMs: reference)
    }

    /// The inner expression at every multiple of the step inside `[reference - range, reference]` (steps are
    /// aligned to absolute time, as Prometheus does, so results do not shift with the evaluation time).
    func evalSubquery(_ subquery: Subquery, _ t: Int64) throws -> RangeSelection {
        let reference = referenceTime(subquery.at, offsetMs: subquery.offsetMs, t)
        let step = subquery.stepMs ?? options.defaultSubqueryStepMs
        let start = reference - subquery.rangeMs
        var first = (start / step) * step
        if first < start { first += step }
        var byLabels: [Labels: [PromSample]] = [:]
        var order: [Labels] = []
        var inner = first
        while inner <= reference {
            try checkDeadline()
            switch try eval(subquery.expr, inner) {
            case .vector(let elements):
                for element in elements {
                    if byLabels[element.labels] == nil { order.append(element.labels) }
                    byLabels[element.labels, default: []].append(PromSample(timestampMs: inner, value: element.value))
                }
                try account(elements.count)
            case .scalar(_, let value):
                if byLabels[Labels()] == nil { order.append(Labels()) }
                byLabels[Labels(), default: []].append(PromSample(timestampMs: inner, value: value))
                try account(1)
            default:
                throw PromQLError.execution("subquery over a value that is neither scalar nor vector")
            }
            inner += step
        }
        return RangeSelection(series: order.map { PromSeries(labels: $0, samples: byLabels[$0]!) }, startMs: start, endMs: reference)
    }

    /// The range argument of a function: a range selector or a subquery (possibly in parentheses).
    func evalRange(_ expr: Expr, _ t: Int64) throws -> RangeSelection {
        switch expr.unparenthesized {
        case .matrixSelector(let matrix): return try rangeSelect(matrix, t)
        case .subquery(let subquery): return try evalSubquery(subquery, t)
        default: throw PromQLError.execution("expected a range vector: \(expr)")
        }
    }

    static func lastIndex(atOrBefore time: Int64, in samples: [PromSample]) -> Int? {
        var low = 0
        var high = samples.count
        while low < high {
            let mid = (low + high) / 2
            if samples[mid].timestampMs <= time { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : low - 1
    }

    static func firstIndex(atOrAfter time: Int64, in samples: [PromSample]) -> Int {
        var low = 0
        var high = samples.count
        while low < high {
            let mid = (low + high) / 2
            if samples[mid].timestampMs < time { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

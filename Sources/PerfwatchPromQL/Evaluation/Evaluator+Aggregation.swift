/// Aggregation operators with `by`/`without`, Prometheus' per-group arithmetic.
extension Evaluator {
    func evalAggregation(_ aggregation: Aggregation, _ t: Int64) throws -> PromValue {
        let elements = try evalVector(aggregation.expr, t)
        let groupKey: (Labels) -> Labels
        switch aggregation.grouping {
        case .by(let names)?: groupKey = { $0.keeping(Set(names)) }
        case .without(let names)?: groupKey = { $0.removing(Set(names + [Labels.metricName])) }
        case nil: groupKey = { _ in Labels() }
        }
        var groups: [Labels: [VectorElement]] = [:]
        var order: [Labels] = []
        for element in elements {
            let key = groupKey(element.labels)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(element)
        }
        func output(_ compute: ([Double]) -> Double) -> PromValue {
            .vector(order.map { VectorElement(labels: $0, value: compute(groups[$0]!.map(\.value)), timestampMs: t) })
        }
        switch aggregation.op {
        case .sum: return output { $0.reduce(0, +) }
        case .avg: return output(RangeFunctions.average)
        case .count: return output { Double($0.count) }
        case .group: return output { _ in 1 }
        case .min: return output { $0.dropFirst().reduce($0[0]) { $0 > $1 || $0.isNaN ? $1 : $0 } }
        case .max: return output { $0.dropFirst().reduce($0[0]) { $0 < $1 || $0.isNaN ? $1 : $0 } }
        case .stdvar: return output(RangeFunctions.variance)
        case .stddev: return output { RangeFunctions.variance($0).squareRoot() }
        case .quantile:
            let phi = try evalScalar(aggregation.parameter!, t)
            return output { RangeFunctions.quantile(phi, $0) }
        case .topk, .bottomk:
            let k = try evalScalar(aggregation.parameter!, t)
            guard k >= 1, !k.isNaN else { return .vector([]) }
            let count = k > Double(Int32.max) ? Int(Int32.max) : Int(k)
            let top = aggregation.op == .topk
            // NaN is the worst candidate for both (Prometheus' heaps); ties keep input order.
            return .vector(order.flatMap { key in
                groups[key]!.enumerated().sorted { lhs, rhs in
                    let a = lhs.element.value
                    let b = rhs.element.value
                    if a.isNaN != b.isNaN { return b.isNaN }
                    if a != b && !a.isNaN { return top ? a > b : a < b }
                    return lhs.offset < rhs.offset
                }.prefix(count).map { VectorElement(labels: $0.element.labels, value: $0.element.value, timestampMs: t) }
            })
        case .countValues:
            let label = try evalString(aggregation.parameter!, t)
            guard Self.isValidLabelName(label) else { throw PromQLError.execution("invalid label name \(quotedPromQLString(label))") }
            var counts: [Labels: Double] = [:]
            var countOrder: [Labels] = []
            for key in order {
                for element in groups[key]! {
                    var labels = key
                    labels.set(label, Self.formatValue(element.value))
                    if counts[labels] == nil { countOrder.append(labels) }
                    counts[labels, default: 0] += 1
                }
            }
            return .vector(countOrder.map { VectorElement(labels: $0, value: counts[$0]!, timestampMs: t) })
        }
    }

    /// Go's `strconv.FormatFloat(v, 'f', -1, 64)` for the values `count_values` turns into labels.
    static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), Swift.abs(value) < 1e15 { return String(Int64(value)) }
        let text = "\(value)"
        guard let exponentIndex = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return text }
        // Swift prints 1e-05 style for small values; Go's 'f' format never uses an exponent.
        let mantissa = text[..<exponentIndex]
        guard let exponent = Int(text[text.index(after: exponentIndex)...]) else { return text }
        let negative = mantissa.hasPrefix("-")
        let digits = mantissa.filter { $0.isNumber }
        let pointPosition = (mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count)
            - (negative ? 1 : 0) + exponent
        var result: String
        if pointPosition <= 0 {
            result = "0." + String(repeating: "0", count: -pointPosition) + digits
        } else if pointPosition >= digits.count {
            result = digits + String(repeating: "0", count: pointPosition - digits.count)
        } else {
            result = String(digits.prefix(pointPosition)) + "." + String(digits.dropFirst(pointPosition))
        }
        return (negative ? "-" : "") + result
    }
}

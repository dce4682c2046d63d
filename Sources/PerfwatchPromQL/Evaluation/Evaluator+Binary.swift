import Foundation

/// Binary operators: scalar/scalar, vector/scalar, vector/vector with one-to-one, many-to-one and set matching.
extension Evaluator {
    func evalBinary(_ binary: BinaryExpr, _ t: Int64) throws -> PromValue {
        let lhs = try eval(binary.lhs, t)
        let rhs = try eval(binary.rhs, t)
        switch (lhs, rhs) {
        case (.scalar(_, let left), .scalar(_, let right)):
            let (value, keep) = Self.apply(binary.op, left, right)
            return .scalar(timestampMs: t, value: binary.op.isComparison ? (keep ? 1 : 0) : value)
        case (.vector(let elements), .scalar(_, let scalar)):
            return .vector(try vectorScalar(binary, elements, scalar, scalarOnLeft: false, t))
        case (.scalar(_, let scalar), .vector(let elements)):
            return .vector(try vectorScalar(binary, elements, scalar, scalarOnLeft: true, t))
        case (.vector(let left), .vector(let right)):
            let matching = binary.matching ?? VectorMatching()
            if binary.op.isSetOperator { return .vector(setOperation(binary.op, left, right, matching)) }
            return .vector(try vectorVector(binary, left, right, matching, t))
        default:
            throw PromQLError.execution("binary expression must contain only scalar and instant vector types")
        }
    }

    /// The arithmetic of one pair; for comparisons the left value and whether the comparison held.
    static func apply(_ op: BinaryOp, _ lhs: Double, _ rhs: Double) -> (value: Double, keep: Bool) {
        switch op {
        case .add: (lhs + rhs, true)
        case .sub: (lhs - rhs, true)
        case .mul: (lhs * rhs, true)
        case .div: (lhs / rhs, true)
        case .mod: (fmod(lhs, rhs), true)
        case .pow: (Foundation.pow(lhs, rhs), true)
        case .atan2: (Foundation.atan2(lhs, rhs), true)
        case .eql: (lhs, lhs == rhs)
        case .neq: (lhs, lhs != rhs)
        case .gtr: (lhs, lhs > rhs)
        case .lss: (lhs, lhs < rhs)
        case .gte: (lhs, lhs >= rhs)
        case .lte: (lhs, lhs <= rhs)
        case .and, .or, .unless: (.nan, false)
        }
    }

    /// Arithmetic drops the metric name (the value is no longer that metric); a filtering comparison keeps it.
    /// `atan2` keeps it: Prometheus 2.42's `shouldDropMetricName` lists only `+ - * / % ^` (the side-by-side test
    /// against real Prometheus found it).
    private static func dropsName(_ binary: BinaryExpr) -> Bool {
        if binary.op == .atan2 { return false }
        return !binary.op.isComparison || binary.returnBool
    }

    private func vectorScalar(_ binary: BinaryExpr, _ elements: [VectorElement], _ scalar: Double, scalarOnLeft: Bool, _ t: Int64) throws
        -> [VectorElement]
    {
        var out: [VectorElement] = []
        for element in elements {
            var (value, keep) = scalarOnLeft ? Self.apply(binary.op, scalar, element.value) : Self.apply(binary.op, element.value, scalar)
            // A comparison keeps the vector's value even when the scalar is on the left (`1 < foo`).
            if binary.op.isComparison && scalarOnLeft { value = element.value }
            if binary.returnBool {
                value = keep ? 1 : 0
                keep = true
            }
            guard keep else { continue }
            let labels = Self.dropsName(binary) ? element.labels.droppingMetricName : element.labels
            out.append(VectorElement(labels: labels, value: value, timestampMs: t))
        }
        return Self.dropsName(binary) ? try requireUniqueLabels(out) : out
    }

    /// The labels two elements are matched on: `on(...)` keeps only those, `ignoring(...)` and the default drop
    /// those and `__name__`.
    private static func signature(_ labels: Labels, _ matching: VectorMatching) -> Labels {
        matching.on ? labels.keeping(Set(matching.labels)) : labels.removing(Set(matching.labels + [Labels.metricName]))
    }

    private func setOperation(_ op: BinaryOp, _ lhs: [VectorElement], _ rhs: [VectorElement], _ matching: VectorMatching) -> [VectorElement] {
        let rightSignatures = Set(rhs.map { Self.signature($0.labels, matching) })
        switch op {
        case .and: return lhs.filter { rightSignatures.contains(Self.signature($0.labels, matching)) }
        case .unless: return lhs.filter { !rightSignatures.contains(Self.signature($0.labels, matching)) }
        default:
            let leftSignatures = Set(lhs.map { Self.signature($0.labels, matching) })
            return lhs + rhs.filter { !leftSignatures.contains(Self.signature($0.labels, matching)) }
        }
    }

    private func vectorVector(_ binary: BinaryExpr, _ lhsInput: [VectorElement], _ rhsInput: [VectorElement], _ matching: VectorMatching, _ t: Int64)
        throws -> [VectorElement]
    {
        // group_right is group_left with the sides swapped; values are swapped back before the arithmetic.
        let swapped = matching.cardinality == .oneToMany
        let many = swapped ? rhsInput : lhsInput
        let one = swapped ? lhsInput : rhsInput
        var oneBySignature: [Labels: VectorElement] = [:]
        for element in one {
            let signature = Self.signature(element.labels, matching)
            if oneBySignature[signature] != nil {
                throw PromQLError.execution(
                    "found duplicate series for the match group \(signature) on the \(swapped ? "left" : "right") hand-side of the operation: "
                        + "many-to-many matching not allowed: matching labels must be unique on one side")
            }
            oneBySignature[signature] = element
        }
        var matchedOneToOne = Set<Labels>()
        var produced = Set<Labels>()
        var out: [VectorElement] = []
        for element in many {
            let signature = Self.signature(element.labels, matching)
            guard let partner = oneBySignature[signature] else { continue }
            let (left, right) = swapped ? (partner.value, element.value) : (element.value, partner.value)
            var (value, keep) = Self.apply(binary.op, left, right)
            if binary.returnBool {
                value = keep ? 1 : 0
                keep = true
            }
            guard keep else { continue }
            let labels = resultLabels(element.labels, partner.labels, binary, matching)
            if matching.cardinality == .oneToOne {
                guard matchedOneToOne.insert(signature).inserted else {
                    throw PromQLError.execution("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
                }
            } else if !produced.insert(labels).inserted {
                throw PromQLError.execution("multiple matches for labels: grouping labels must ensure unique matches")
            }
            out.append(VectorElement(labels: labels, value: value, timestampMs: t))
        }
        return out
    }

    private func resultLabels(_ many: Labels, _ one: Labels, _ binary: BinaryExpr, _ matching: VectorMatching) -> Labels {
        var labels = Self.dropsName(binary) ? many.droppingMetricName : many
        if matching.cardinality == .oneToOne {
            labels = matching.on ? labels.keeping(Set(matching.labels)) : labels.removing(Set(matching.labels))
        } else {
            for name in matching.include { labels.set(name, one.value(of: name)) }
        }
        return labels
    }
}

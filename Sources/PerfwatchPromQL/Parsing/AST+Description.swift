/// Canonical PromQL text of an AST: what the parser reads back to the same tree (tests round-trip it).
extension Expr: CustomStringConvertible {
    public var description: String {
        switch self {
        case .number(let value): formatNumberLiteral(value)
        case .string(let text): quotedPromQLString(text)
        case .vectorSelector(let selector): selector.description
        case .matrixSelector(let matrix): matrix.description
        case .subquery(let subquery): subquery.description
        case .call(let call): "\(call.function.name)(\(call.args.map(\.description).joined(separator: ", ")))"
        case .aggregation(let aggregation): aggregation.description
        case .binary(let binary): binary.description
        case .unaryMinus(let inner): "-\(inner)"
        case .paren(let inner): "(\(inner))"
        }
    }
}

func formatNumberLiteral(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? "-Inf" : "Inf" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
}

func modifiersDescription(offsetMs: Int64, at: AtModifier?) -> String {
    var out = ""
    switch at {
    case .timestamp(let ms)?: out += " @ " + formatSeconds(ms)
    case .start?: out += " @ start()"
    case .end?: out += " @ end()"
    case nil: break
    }
    if offsetMs != 0 { out += " offset " + DurationSyntax.format(offsetMs) }
    return out
}

/// Seconds with milliseconds, as Prometheus prints `@` times: `100.000`.
func formatSeconds(_ ms: Int64) -> String {
    let sign = ms < 0 ? "-" : ""
    let magnitude = ms.magnitude
    return "\(sign)\(magnitude / 1000).\(String(magnitude % 1000).leftPadded(to: 3))"
}

extension VectorSelector: CustomStringConvertible {
    var selectorText: String {
        let shown = matchers.filter { !($0.name == Labels.metricName && $0.type == .equal && name != nil) }
        let braces = shown.isEmpty && name != nil ? "" : "{" + shown.map(\.description).joined(separator: ", ") + "}"
        return (name ?? "") + braces
    }

    public var description: String { selectorText + modifiersDescription(offsetMs: offsetMs, at: at) }
}

extension MatrixSelector: CustomStringConvertible {
    public var description: String {
        vector.selectorText + "[\(DurationSyntax.format(rangeMs))]" + modifiersDescription(offsetMs: vector.offsetMs, at: vector.at)
    }
}

extension Subquery: CustomStringConvertible {
    public var description: String {
        "\(expr)[\(DurationSyntax.format(rangeMs)):\(stepMs.map(DurationSyntax.format) ?? "")]"
            + modifiersDescription(offsetMs: offsetMs, at: at)
    }
}

extension Aggregation: CustomStringConvertible {
    public var description: String {
        var out = op.rawValue
        switch grouping {
        case .by(let labels)?: out += " by (\(labels.joined(separator: ", "))) "
        case .without(let labels)?: out += " without (\(labels.joined(separator: ", "))) "
        case nil: break
        }
        let args = [parameter, expr].compactMap { $0?.description }
        return out + "(" + args.joined(separator: ", ") + ")"
    }
}

extension BinaryExpr: CustomStringConvertible {
    public var description: String {
        var out = "\(lhs) \(op.rawValue)"
        if returnBool { out += " bool" }
        if let matching {
            if matching.explicit {
                out += (matching.on ? " on" : " ignoring") + " (\(matching.labels.joined(separator: ", ")))"
            }
            switch matching.cardinality {
            case .manyToOne: out += " group_left (\(matching.include.joined(separator: ", ")))"
            case .oneToMany: out += " group_right (\(matching.include.joined(separator: ", ")))"
            case .oneToOne, .manyToMany: break
            }
        }
        return out + " \(rhs)"
    }
}

/// Recursive-descent PromQL parser with Prometheus' precedence; checks types as it builds (function arguments,
/// aggregation operands, binary operands), so every error carries the position of the offending part.
public struct PromQLParser {
    private var tokens: [Token]
    private var index = 0

    /// Parses and type-checks a whole query.
    public static func parse(_ text: String) throws -> Expr {
        var parser = PromQLParser(tokens: try Lexer.tokenize(text))
        let parsed = try parser.parseExpression(minimumPrecedence: 0)
        guard case .eof = parser.current.kind else { throw parser.unexpected(parser.current) }
        return parsed.expr
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    /// An expression and where it starts, for type errors reported at the operand.
    struct Parsed {
        var expr: Expr
        var position: SourcePosition
    }

    private var current: Token { tokens[index] }
    private var following: Token { tokens[min(index + 1, tokens.count - 1)] }

    @discardableResult
    private mutating func consume() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func error(_ message: String, at position: SourcePosition) -> PromQLError {
        .syntax(position: position, message: message)
    }

    private func unexpected(_ token: Token, expecting: String? = nil) -> PromQLError {
        var what: String
        switch token.kind {
        case .eof: what = "unexpected end of input"
        case .identifier, .number, .duration, .string: what = "unexpected \(token.kind.displayName)"
        default: what = "unexpected \(quotedPromQLString(token.text))"
        }
        if let expecting { what += ", expected \(expecting)" }
        return error(what, at: token.position)
    }

    private mutating func expect(_ kind: TokenKind, _ description: String) throws {
        guard current.kind == kind else { throw unexpected(current, expecting: description) }
        consume()
    }

    private func isKeyword(_ token: Token, _ word: String) -> Bool {
        if case .identifier(let name) = token.kind, name.lowercased() == word { return true }
        return false
    }

    // MARK: binary operators

    private func binaryOperator(_ token: Token) -> BinaryOp? {
        switch token.kind {
        case .op(let symbol):
            return BinaryOp(rawValue: symbol).flatMap { $0 == .atan2 || $0.isSetOperator ? nil : $0 }
        case .identifier(let name):
            switch name.lowercased() {
            case "and": return .and
            case "or": return .or
            case "unless": return .unless
            case "atan2": return .atan2
            default: return nil
            }
        default:
            return nil
        }
    }

    mutating func parseExpression(minimumPrecedence: Int) throws -> Parsed {
        var lhs = try parseUnary()
        while let op = binaryOperator(current), op.precedence >= minimumPrecedence {
            let opToken = consume()
            var binary = BinaryExpr(op: op, lhs: lhs.expr, rhs: lhs.expr)
            if isKeyword(current, "bool") {
                guard op.isComparison else { throw error("bool modifier can only be used on comparison operators", at: current.position) }
                consume()
                binary.returnBool = true
            }
            let matching = try parseVectorMatching(op: op)
            let rhs = try parseExpression(minimumPrecedence: op.isRightAssociative ? op.precedence : op.precedence + 1)
            binary.rhs = rhs.expr
            try checkBinary(&binary, matching: matching, opToken: opToken, lhs: lhs, rhs: rhs)
            lhs = Parsed(expr: .binary(binary), position: lhs.position)
        }
        return lhs
    }

    private mutating func parseVectorMatching(op: BinaryOp) throws -> (VectorMatching, SourcePosition)? {
        var matching = VectorMatching()
        let start = current.position
        var written = false
        if isKeyword(current, "on") || isKeyword(current, "ignoring") {
            matching.on = isKeyword(current, "on")
            matching.explicit = true
            consume()
            matching.labels = try parseLabelList()
            written = true
        }
        if isKeyword(current, "group_left") || isKeyword(current, "group_right") {
            let groupToken = current
            if op.isSetOperator { throw error("no grouping allowed for \"\(op.rawValue)\" operation", at: groupToken.position) }
            guard matching.explicit else { throw unexpected(groupToken, expecting: "\"on\" or \"ignoring\" before group modifiers") }
            matching.cardinality = isKeyword(current, "group_left") ? .manyToOne : .oneToMany
            consume()
            if current.kind == .leftParen { matching.include = try parseLabelList() }
            for label in matching.include where matching.on && matching.labels.contains(label) {
                throw error("label \"\(label)\" must not occur in ON and GROUP clause at once", at: groupToken.position)
            }
            written = true
        }
        return written ? (matching, start) : nil
    }

    private mutating func checkBinary(
        _ binary: inout BinaryExpr, matching: (VectorMatching, SourcePosition)?, opToken: Token, lhs: Parsed, rhs: Parsed
    ) throws {
        for side in [lhs, rhs] where side.expr.type != .scalar && side.expr.type != .vector {
            throw error("binary expression must contain only scalar and instant vector types", at: side.position)
        }
        let bothVectors = lhs.expr.type == .vector && rhs.expr.type == .vector
        let op = binary.op
        if op.isSetOperator && !bothVectors {
            throw error("set operator \"\(op.rawValue)\" not allowed in binary scalar expression", at: opToken.position)
        }
        if op.isComparison && !binary.returnBool && lhs.expr.type == .scalar && rhs.expr.type == .scalar {
            throw error("comparisons between scalars must use BOOL modifier", at: opToken.position)
        }
        if let (_, position) = matching, !bothVectors {
            throw error("vector matching only allowed between instant vectors", at: position)
        }
        if bothVectors {
            var vectorMatching = matching?.0 ?? VectorMatching()
            if op.isSetOperator { vectorMatching.cardinality = .manyToMany }
            binary.matching = vectorMatching
        }
    }

    // MARK: unary and postfix

    private mutating func parseUnary() throws -> Parsed {
        if case .op(let symbol) = current.kind, symbol == "-" || symbol == "+" {
            let start = consume().position
            // Unary minus binds looser than `^` (`-2 ^ 2` is -4), tighter than everything else.
            let operand = try parseExpression(minimumPrecedence: BinaryOp.pow.precedence)
            guard operand.expr.type == .scalar || operand.expr.type == .vector else {
                throw error("unary expression only allowed on expressions of type scalar or instant vector", at: operand.position)
            }
            if symbol == "+" { return Parsed(expr: operand.expr, position: start) }
            if case .number(let value) = operand.expr { return Parsed(expr: .number(-value), position: start) }
            return Parsed(expr: .unaryMinus(operand.expr), position: start)
        }
        return try parsePostfix(try parsePrimary())
    }

    /// Range `[5m]`, subquery `[30m:1m]`, `offset` and `@` after a primary expression.
    private mutating func parsePostfix(_ start: Parsed) throws -> Parsed {
        var parsed = start
        while true {
            if current.kind == .leftBracket {
                parsed = try parseBracket(parsed)
            } else if isKeyword(current, "offset") {
                let offsetToken = consume()
                var sign: Int64 = 1
                if case .op("-") = current.kind {
                    consume()
                    sign = -1
                }
                guard case .duration(let ms) = current.kind else { throw unexpected(current, expecting: "duration") }
                consume()
                parsed.expr = try applyOffset(sign * ms, to: parsed.expr, at: offsetToken.position)
            } else if current.kind == .at {
                let atToken = consume()
                let modifier = try parseAtTime()
                parsed.expr = try applyAt(modifier, to: parsed.expr, at: atToken.position)
            } else {
                return parsed
            }
        }
    }

    private mutating func parseBracket(_ parsed: Parsed) throws -> Parsed {
        let bracket = consume()
        guard case .duration(let range) = current.kind else { throw unexpected(current, expecting: "duration") }
        consume()
        if current.kind == .colon {
            consume()
            var step: Int64?
            if case .duration(let ms) = current.kind {
                consume()
                step = ms
            }
            try expect(.rightBracket, "\"]\"")
            guard parsed.expr.type == .vector else {
                throw error("subquery is only allowed on instant vector, got \(parsed.expr.type.rawValue)", at: bracket.position)
            }
            if step == 0 { throw error("zero subquery step", at: bracket.position) }
            return Parsed(expr: .subquery(Subquery(expr: parsed.expr, rangeMs: range, stepMs: step)), position: parsed.position)
        }
        try expect(.rightBracket, "\"]\" or \":\"")
        guard case .vectorSelector(let selector) = parsed.expr else {
            throw error("ranges only allowed for vector selectors", at: bracket.position)
        }
        guard selector.offsetMs == 0, selector.at == nil else {
            throw error("no offset or @ modifiers allowed before range", at: bracket.position)
        }
        if range == 0 { throw error("zero range in range selector", at: bracket.position) }
        return Parsed(expr: .matrixSelector(MatrixSelector(vector: selector, rangeMs: range)), position: parsed.position)
    }

    private mutating func parseAtTime() throws -> AtModifier {
        if case .identifier(let name) = current.kind, name == "start" || name == "end" {
            consume()
            try expect(.leftParen, "\"(\"")
            try expect(.rightParen, "\")\"")
            return name == "start" ? .start : .end
        }
        var sign = 1.0
        if case .op(let symbol) = current.kind, symbol == "-" || symbol == "+" {
            consume()
            if symbol == "-" { sign = -1 }
        }
        let token = current
        guard case .number(let seconds) = token.kind, seconds.isFinite else {
            throw unexpected(token, expecting: "timestamp, start() or end() after @")
        }
        // Milliseconds must fit Int64 (Prometheus: "timestamp out of bounds for @ modifier").
        guard abs(seconds) < 9.2e15 else { throw error("timestamp out of bounds for @ modifier: \(seconds)", at: token.position) }
        consume()
        return .timestamp(Int64((sign * seconds * 1000).rounded()))
    }

    private func applyOffset(_ ms: Int64, to expr: Expr, at position: SourcePosition) throws -> Expr {
        switch expr {
        case .vectorSelector(var selector):
            guard selector.offsetMs == 0 else { throw error("offset may not be set multiple times", at: position) }
            selector.offsetMs = ms
            return .vectorSelector(selector)
        case .matrixSelector(var matrix):
            guard matrix.vector.offsetMs == 0 else { throw error("offset may not be set multiple times", at: position) }
            matrix.vector.offsetMs = ms
            return .matrixSelector(matrix)
        case .subquery(var subquery):
            guard subquery.offsetMs == 0 else { throw error("offset may not be set multiple times", at: position) }
            subquery.offsetMs = ms
            return .subquery(subquery)
        default:
            throw error("offset modifier must be preceded by an instant vector selector or range vector selector or a subquery", at: position)
        }
    }

    private func applyAt(_ modifier: AtModifier, to expr: Expr, at position: SourcePosition) throws -> Expr {
        let twice = "@ <timestamp> may not be set multiple times"
        switch expr {
        case .vectorSelector(var selector):
            guard selector.at == nil else { throw error(twice, at: position) }
            selector.at = modifier
            return .vectorSelector(selector)
        case .matrixSelector(var matrix):
            guard matrix.vector.at == nil else { throw error(twice, at: position) }
            matrix.vector.at = modifier
            return .matrixSelector(matrix)
        case .subquery(var subquery):
            guard subquery.at == nil else { throw error(twice, at: position) }
            subquery.at = modifier
            return .subquery(subquery)
        default:
            throw error("@ modifier must be preceded by an instant vector selector or range vector selector or a subquery", at: position)
        }
    }

    // MARK: primaries

    private mutating func parsePrimary() throws -> Parsed {
        let token = current
        switch token.kind {
        case .number(let value):
            consume()
            return Parsed(expr: .number(value), position: token.position)
        case .string(let text):
            consume()
            return Parsed(expr: .string(text), position: token.position)
        case .leftParen:
            consume()
            let inner = try parseExpression(minimumPrecedence: 0)
            try expect(.rightParen, "\")\"")
            return Parsed(expr: .paren(inner.expr), position: token.position)
        case .leftBrace:
            let selector = try parseSelector(name: nil, at: token.position)
            return Parsed(expr: .vectorSelector(selector), position: token.position)
        case .identifier(let name):
            switch name.lowercased() {
            case "inf", "+inf":
                consume()
                return Parsed(expr: .number(.infinity), position: token.position)
            case "nan":
                consume()
                return Parsed(expr: .number(.nan), position: token.position)
            default: break
            }
            if let op = AggregationOp(rawValue: name.lowercased()),
                following.kind == .leftParen || isKeyword(following, "by") || isKeyword(following, "without")
            {
                consume()
                return Parsed(expr: .aggregation(try parseAggregation(op, at: token.position)), position: token.position)
            }
            if following.kind == .leftParen {
                return Parsed(expr: try parseCall(name: name, at: token.position), position: token.position)
            }
            if binaryOperator(token) != nil || ["bool", "on", "ignoring", "group_left", "group_right", "offset", "by", "without"].contains(name.lowercased()) {
                throw unexpected(token)
            }
            consume()
            return Parsed(expr: .vectorSelector(try parseSelector(name: name, at: token.position)), position: token.position)
        default:
            throw unexpected(token)
        }
    }

    private mutating func parseSelector(name: String?, at position: SourcePosition) throws -> VectorSelector {
        var matchers: [LabelMatcher] = []
        if let name { matchers.append(try LabelMatcher(name: Labels.metricName, type: .equal, value: name)) }
        if current.kind == .leftBrace {
            consume()
            while current.kind != .rightBrace {
                let labelToken = current
                guard case .identifier(let label) = labelToken.kind, !label.contains(":") else {
                    throw unexpected(labelToken, expecting: "label matching")
                }
                consume()
                let opToken = consume()
                let type: MatchType
                switch opToken.kind {
                case .assign: type = .equal
                case .op("!="): type = .notEqual
                case .op("=~"): type = .regexMatch
                case .op("!~"): type = .regexNoMatch
                default: throw unexpected(opToken, expecting: "label matching operator")
                }
                guard case .string(let value) = current.kind else { throw unexpected(current, expecting: "string") }
                let valueToken = consume()
                if label == Labels.metricName, let name {
                    throw error("metric name must not be set twice: \(quotedPromQLString(name)) or \(quotedPromQLString(value))", at: labelToken.position)
                }
                do {
                    matchers.append(try LabelMatcher(name: label, type: type, value: value))
                } catch let regexError as AnchoredRegexError {
                    throw error("invalid regular expression \(quotedPromQLString(value)): \(regexError.reason)", at: valueToken.position)
                }
                if current.kind == .comma {
                    consume()
                } else if current.kind != .rightBrace {
                    throw unexpected(current, expecting: "\",\" or \"}\"")
                }
            }
            consume()
        }
        if matchers.allSatisfy(\.matchesEmpty) {
            throw error("vector selector must contain at least one non-empty matcher", at: position)
        }
        return VectorSelector(name: name, matchers: matchers)
    }

    private mutating func parseLabelList() throws -> [String] {
        try expect(.leftParen, "\"(\"")
        var labels: [String] = []
        while current.kind != .rightParen {
            guard case .identifier(let label) = current.kind, !label.contains(":") else { throw unexpected(current, expecting: "label") }
            consume()
            labels.append(label)
            if current.kind == .comma {
                consume()
            } else if current.kind != .rightParen {
                throw unexpected(current, expecting: "\",\" or \")\"")
            }
        }
        consume()
        return labels
    }

    private mutating func parseGrouping() throws -> Aggregation.Grouping? {
        if isKeyword(current, "by") {
            consume()
            return .by(try parseLabelList())
        }
        if isKeyword(current, "without") {
            consume()
            return .without(try parseLabelList())
        }
        return nil
    }

    private mutating func parseAggregation(_ op: AggregationOp, at position: SourcePosition) throws -> Aggregation {
        let before = try parseGrouping()
        try expect(.leftParen, "\"(\"")
        var args: [Parsed] = []
        while current.kind != .rightParen {
            args.append(try parseExpression(minimumPrecedence: 0))
            if current.kind == .comma {
                consume()
            } else if current.kind != .rightParen {
                throw unexpected(current, expecting: "\",\" or \")\"")
            }
        }
        let close = consume()
        let after = try parseGrouping()
        if before != nil && after != nil { throw error("aggregation must only contain one grouping clause", at: close.position) }
        let expected = op.parameterType == nil ? 1 : 2
        guard args.count == expected else {
            throw error("wrong number of arguments for aggregate expression provided, expected \(expected), got \(args.count)", at: position)
        }
        var parameter: Expr?
        if let parameterType = op.parameterType {
            guard args[0].expr.type == parameterType else {
                throw error("expected type \(parameterType.rawValue) in aggregation parameter, got \(args[0].expr.type.rawValue)", at: args[0].position)
            }
            parameter = args[0].expr
        }
        let operand = args[expected - 1]
        guard operand.expr.type == .vector else {
            throw error("expected type instant vector in aggregation expression, got \(operand.expr.type.rawValue)", at: operand.position)
        }
        return Aggregation(op: op, expr: operand.expr, parameter: parameter, grouping: before ?? after)
    }

    private mutating func parseCall(name: String, at position: SourcePosition) throws -> Expr {
        guard let function = FunctionTable.all[name] else { throw error("unknown function with name \(quotedPromQLString(name))", at: position) }
        consume()
        try expect(.leftParen, "\"(\"")
        var args: [Parsed] = []
        while current.kind != .rightParen {
            args.append(try parseExpression(minimumPrecedence: 0))
            if current.kind == .comma {
                consume()
            } else if current.kind != .rightParen {
                throw unexpected(current, expecting: "\",\" or \")\"")
            }
        }
        consume()
        if args.count < function.minimumArgs || function.maximumArgs.map({ args.count > $0 }) == true {
            let bound: String
            if function.variadic == 0 {
                bound = "expected \(function.argTypes.count) argument(s)"
            } else if args.count < function.minimumArgs {
                bound = "expected at least \(function.minimumArgs) argument(s)"
            } else {
                bound = "expected at most \(function.maximumArgs ?? 0) argument(s)"
            }
            throw error("\(bound) in call to \(quotedPromQLString(name)), got \(args.count)", at: position)
        }
        for (offset, arg) in args.enumerated() where arg.expr.type != function.argType(at: offset) {
            throw error(
                "expected type \(function.argType(at: offset).rawValue) in call to function \(quotedPromQLString(name)), got \(arg.expr.type.rawValue)",
                at: arg.position)
        }
        return .call(FunctionCall(function: function, args: args.map(\.expr)))
    }
}

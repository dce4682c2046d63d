/// Turns query text into tokens with positions. Durations (`5m`, `1h30m`) are their own token so the parser can
/// refuse them where a number is expected and `1.5` where a duration is.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    static func tokenize(_ text: String) throws -> [Token] {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .eof { return tokens }
        }
    }

    private var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }
    private func peek(_ offset: Int) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() {
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private func error(_ message: String, at position: SourcePosition) -> PromQLError {
        .syntax(position: position, message: message)
    }

    mutating func next() throws -> Token {
        skipSpaceAndComments()
        let start = SourcePosition(line: line, column: column)
        let startIndex = index
        guard let c = current else { return Token(kind: .eof, position: start, text: "") }
        func token(_ kind: TokenKind) -> Token {
            Token(kind: kind, position: start, text: String(String.UnicodeScalarView(scalars[startIndex..<index])))
        }
        switch c {
        case "(": advance(); return token(.leftParen)
        case ")": advance(); return token(.rightParen)
        case "{": advance(); return token(.leftBrace)
        case "}": advance(); return token(.rightBrace)
        case "[": advance(); return token(.leftBracket)
        case "]": advance(); return token(.rightBracket)
        case ",": advance(); return token(.comma)
        case ":" where !(peek(1).map(Self.isIdentifierStart) ?? false): advance(); return token(.colon)
        case "@": advance(); return token(.at)
        case "+", "-", "*", "/", "%", "^":
            advance()
            return token(.op(String(c)))
        case "=":
            advance()
            if current == "=" { advance(); return token(.op("==")) }
            if current == "~" { advance(); return token(.op("=~")) }
            return token(.assign)
        case "!":
            advance()
            if current == "=" { advance(); return token(.op("!=")) }
            if current == "~" { advance(); return token(.op("!~")) }
            throw error("unexpected character after \"!\"", at: start)
        case "<", ">":
            advance()
            if current == "=" { advance(); return token(.op(String(c) + "=")) }
            return token(.op(String(c)))
        case "\"", "'", "`":
            return token(.string(try lexString(quote: c, start: start)))
        default:
            if Self.isDigit(c) || (c == "." && peek(1).map(Self.isDigit) == true) {
                return token(try lexNumberOrDuration(start: start))
            }
            if Self.isIdentifierStart(c) || c == ":" {
                while let d = current, Self.isIdentifierStart(d) || Self.isDigit(d) || d == ":" { advance() }
                return token(.identifier(String(String.UnicodeScalarView(scalars[startIndex..<index]))))
            }
            throw error("unexpected character: \(quotedPromQLString(String(c)))", at: start)
        }
    }

    private mutating func skipSpaceAndComments() {
        while let c = current {
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                advance()
            } else if c == "#" {
                while let d = current, d != "\n" { advance() }
            } else {
                return
            }
        }
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_"
    }
    private static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        isIdentifierStart(c) || isDigit(c) || c == "."
    }

    private mutating func lexNumberOrDuration(start: SourcePosition) throws -> TokenKind {
        // The whole word first, so `5m`, `1h30m`, `0x1F`, `1e-3` and the bad `1.5m` are judged as one.
        let wordStart = index
        var end = index
        while end < scalars.count {
            let c = scalars[end]
            if Self.isWordCharacter(c) {
                end += 1
            } else if (c == "+" || c == "-"), end > wordStart, scalars[end - 1] == "e" || scalars[end - 1] == "E",
                !(scalars[wordStart] == "0" && end > wordStart + 1 && (scalars[wordStart + 1] == "x" || scalars[wordStart + 1] == "X"))
            {
                end += 1
            } else {
                break
            }
        }
        let word = String(String.UnicodeScalarView(scalars[wordStart..<end]))
        while index < end { advance() }
        if let milliseconds = DurationSyntax.parse(word) { return .duration(milliseconds) }
        if let value = Self.parseNumber(word) { return .number(value) }
        throw error("bad number or duration syntax: \"\(word)\"", at: start)
    }

    static func parseNumber(_ word: String) -> Double? {
        let lower = word.lowercased()
        if lower.hasPrefix("0x") {
            guard let value = UInt64(lower.dropFirst(2), radix: 16) else { return nil }
            return Double(value)
        }
        // Double(_:) alone would accept "inf", "nan" and hex floats; numbers here are digits, dot, exponent.
        guard lower.unicodeScalars.allSatisfy({ isDigit($0) || $0 == "." || $0 == "e" || $0 == "+" || $0 == "-" }) else { return nil }
        return Double(lower)
    }

    private mutating func lexString(quote: Unicode.Scalar, start: SourcePosition) throws -> String {
        advance()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = current else { throw error("unterminated quoted string", at: start) }
            if c == quote {
                advance()
                return String(out)
            }
            if quote == "`" {
                out.append(c)
                advance()
                continue
            }
            if c == "\n" { throw error("unterminated quoted string", at: start) }
            if c != "\\" {
                out.append(c)
                advance()
                continue
            }
            let escapePosition = SourcePosition(line: line, column: column)
            advance()
            guard let e = current else { throw error("unterminated quoted string", at: start) }
            advance()
            switch e {
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "\\": out.append("\\")
            case "\"", "'":
                guard e == quote else { throw error("unknown escape sequence", at: escapePosition) }
                out.append(e)
            case "x", "u", "U":
                let digits = e == "x" ? 2 : e == "u" ? 4 : 8
                out.append(try hexEscape(digits: digits, at: escapePosition))
            case "0"..."7":
                var value = e.value - 48
                for _ in 0..<2 {
                    guard let d = current, d >= "0", d <= "7" else { throw error("invalid octal escape", at: escapePosition) }
                    value = value * 8 + d.value - 48
                    advance()
                }
                guard value <= 255, let scalar = Unicode.Scalar(value) else { throw error("invalid octal escape", at: escapePosition) }
                out.append(scalar)
            default:
                throw error("unknown escape sequence", at: escapePosition)
            }
        }
    }

    private mutating func hexEscape(digits: Int, at position: SourcePosition) throws -> Unicode.Scalar {
        var text = ""
        for _ in 0..<digits {
            guard let d = current, d.properties.isASCIIHexDigit else { throw error("invalid escape sequence", at: position) }
            text.unicodeScalars.append(d)
            advance()
        }
        guard let value = UInt32(text, radix: 16), let scalar = Unicode.Scalar(value) else {
            throw error("invalid escape sequence", at: position)
        }
        return scalar
    }
}

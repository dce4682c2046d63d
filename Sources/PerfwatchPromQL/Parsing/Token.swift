/// What the lexer hands the parser.
enum TokenKind: Equatable, Sendable {
    case identifier(String)  // metric names (may hold `:`), label names, function and keyword names
    case number(Double)
    case duration(Int64)  // milliseconds; only `\d+unit` sequences, never fractional
    case string(String)
    case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket
    case comma, colon, at
    case assign  // `=` inside braces
    case op(String)  // + - * / % ^ == != < <= > >= =~ !~
    case eof
}

struct Token: Sendable {
    let kind: TokenKind
    let position: SourcePosition
    /// The text as written, for error messages (`unexpected ")"`).
    let text: String
}

extension TokenKind {
    var displayName: String {
        switch self {
        case .identifier(let name): "identifier \"\(name)\""
        case .number: "number"
        case .duration: "duration"
        case .string: "string"
        case .eof: "end of input"
        default: ""
        }
    }
}

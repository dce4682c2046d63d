/// Finds where a JSON document first goes wrong, for error messages that say
/// "line 3, column 14" (Foundation's decoder only says the data is not valid JSON).
/// Runs only on the error path, so it favours clarity over speed.
enum JSONSyntaxLocator {
    struct Failure: Error {
        let offset: Int
        let message: String
    }

    /// A description like `line 1, column 24 (byte 23): expected a value`, or nil when the
    /// syntax is fine (then the problem is the shape, not the syntax).
    static func firstError(in bytes: [UInt8]) -> String? {
        var parser = Parser(bytes: bytes)
        do {
            parser.skipWhitespace()
            try parser.value(depth: 0)
            parser.skipWhitespace()
            if parser.position < bytes.count { throw Failure(offset: parser.position, message: "unexpected text after the document") }
            return nil
        } catch let failure as Failure {
            var line = 1
            var column = 1
            for byte in bytes.prefix(failure.offset) {
                if byte == 10 { line += 1; column = 1 } else { column += 1 }
            }
            return "line \(line), column \(column) (byte \(failure.offset)): \(failure.message)"
        } catch {
            return nil
        }
    }

    /// Bare `NaN`, `Infinity` and `-Infinity` tokens (outside strings) quoted, so the decoder can
    /// read them and validation can reject that one item instead of the whole body.
    static func quotingNonFiniteLiterals(_ bytes: [UInt8]) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 16)
        var index = 0
        var inString = false
        var changed = false
        let tokens: [[UInt8]] = [Array("-Infinity".utf8), Array("Infinity".utf8), Array("NaN".utf8)]
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                output.append(byte)
                if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                    output.append(bytes[index + 1])
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") { inString = false }
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\"") {
                inString = true
                output.append(byte)
                index += 1
                continue
            }
            if let token = tokens.first(where: { bytes[index...].starts(with: $0) }) {
                output.append(UInt8(ascii: "\""))
                output.append(contentsOf: token)
                output.append(UInt8(ascii: "\""))
                index += token.count
                changed = true
                continue
            }
            output.append(byte)
            index += 1
        }
        return changed ? output : nil
    }

    struct Parser {
        let bytes: [UInt8]
        var position = 0
        static let maxDepth = 512

        mutating func skipWhitespace() {
            while position < bytes.count, [9, 10, 13, 32].contains(bytes[position]) { position += 1 }
        }

        func fail(_ message: String) -> Failure { Failure(offset: position, message: message) }

        mutating func value(depth: Int) throws {
            guard depth < Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
            guard position < bytes.count else { throw fail("unexpected end of input, expected a value") }
            switch bytes[position] {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw fail("unexpected character '\(Character(UnicodeScalar(bytes[position])))', expected a value")
            }
        }

        mutating func literal(_ word: String) throws {
            let expected = Array(word.utf8)
            guard bytes[position...].starts(with: expected) else { throw fail("invalid literal, expected \(word)") }
            position += expected.count
        }

        mutating func number() throws {
            let start = position
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            var digits = 0
            while position < bytes.count, (48...57).contains(bytes[position]) || [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-")].contains(bytes[position]) {
                position += 1
                digits += 1
            }
            guard digits > 0 else { position = start; throw fail("invalid number") }
        }

        mutating func string() throws {
            position += 1
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") { position += 1; return }
                if byte == UInt8(ascii: "\\") { position += 2; continue }
                if byte < 0x20 { throw fail("control character inside a string") }
                position += 1
            }
            throw fail("unterminated string")
        }

        mutating func array(depth: Int) throws {
            position += 1
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return }
            while true {
                skipWhitespace()
                try value(depth: depth + 1)
                skipWhitespace()
                guard position < bytes.count else { throw fail("unexpected end of input inside an array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return }
                throw fail("expected ',' or ']' in an array")
            }
        }

        mutating func object(depth: Int) throws {
            position += 1
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a quoted key") }
                try string()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
                position += 1
                skipWhitespace()
                try value(depth: depth + 1)
                skipWhitespace()
                guard position < bytes.count else { throw fail("unexpected end of input inside an object") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "}") { position += 1; return }
                throw fail("expected ',' or '}' in an object")
            }
        }
    }
}

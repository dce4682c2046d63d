import PerfwatchModel

/// Parses JSON bytes into `JSONValue`. Syntax errors become a `bad_request` that says where:
/// `malformed JSON at line 3, column 14 (byte 40): expected ',' or '}' in an object`.
public enum JSONReader {
    /// Parsing and freeing recurse once per level. 512 levels overflowed a 512 KiB thread stack
    /// (the default for secondary threads on macOS) in a debug build; no document we accept
    /// needs more than ~60 (OTLP/JSON at the attribute nesting limit), so 128 leaves room.
    public static let maxDepth = 128

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var parser = Parser(bytes: bytes)
        do {
            parser.skipWhitespace()
            let value = try parser.value(depth: 0)
            parser.skipWhitespace()
            if parser.position < bytes.count { throw parser.fail("unexpected text after the document") }
            return value
        } catch let failure as Failure {
            throw failure.error(in: bytes)
        }
    }

    struct Failure: Error {
        let offset: Int
        let message: String

        /// The 400 naming where: line, column and byte.
        func error(in bytes: [UInt8]) -> PerfwatchError {
            var line = 1
            var column = 1
            for byte in bytes.prefix(offset) {
                if byte == 10 {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            }
            return PerfwatchError(.badRequest, "malformed JSON at line \(line), column \(column) (byte \(offset)): \(message)")
        }
    }

    struct Parser {
        let bytes: [UInt8]
        var position = 0

        func fail(_ message: String) -> Failure { Failure(offset: position, message: message) }

        mutating func skipWhitespace() {
            while position < bytes.count {
                let byte = bytes[position]
                guard byte == 32 || byte == 10 || byte == 13 || byte == 9 else { return }
                position += 1
            }
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < JSONReader.maxDepth else { throw fail("nesting deeper than \(JSONReader.maxDepth)") }
            guard position < bytes.count else { throw fail("unexpected end of input, expected a value") }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            case UInt8(ascii: "N"):
                try literal("NaN")
                return .nonFinite(.nan)
            case UInt8(ascii: "I"):
                try literal("Infinity")
                return .nonFinite(.infinity)
            case UInt8(ascii: "-") where bytes[(position + 1)...].starts(with: "Infinity".utf8):
                position += 1
                try literal("Infinity")
                return .nonFinite(-.infinity)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default:
                throw fail("unexpected character '\(Character(UnicodeScalar(bytes[position])))', expected a value")
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let length = word.utf8CodeUnitCount
            let matches = word.withUTF8Buffer { expected in
                position + length <= bytes.count && bytes[position..<position + length].elementsEqual(expected)
            }
            guard matches else { throw fail("invalid literal, expected \(word)") }
            position += length
        }

        /// JSON number grammar; the value is converted exactly (see `DecimalParsing`).
        mutating func number() throws -> JSONValue {
            let start = position
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            let integerStart = position
            while position < bytes.count, bytes[position] &- 48 < 10 { position += 1 }
            guard position > integerStart else { throw fail("invalid number: digits expected") }
            if bytes[integerStart] == 48 && position - integerStart > 1 { throw Failure(offset: integerStart, message: "invalid number: leading zero") }
            var isInteger = true
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                isInteger = false
                position += 1
                let fractionStart = position
                while position < bytes.count, bytes[position] &- 48 < 10 { position += 1 }
                guard position > fractionStart else { throw fail("invalid number: digits expected after '.'") }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                isInteger = false
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
                let exponentStart = position
                while position < bytes.count, bytes[position] &- 48 < 10 { position += 1 }
                guard position > exponentStart else { throw fail("invalid number: digits expected in the exponent") }
            }
            let token = bytes[start..<position]
            let integer = isInteger ? DecimalParsing.integer(token) : nil
            // Out of Double's range (1e999) parses to ±infinity: kept, validation names it.
            let double = integer.map(Double.init) ?? DecimalParsing.double(token) ?? .infinity
            return .number(double, integer: integer)
        }

        mutating func string() throws -> String {
            position += 1  // opening quote
            let start = position
            // Fast path: no escapes.
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    defer { position += 1 }
                    return String(decoding: bytes[start..<position], as: UTF8.self)
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw fail("control character inside a string") }
                position += 1
            }
            var buffer = Array(bytes[start..<position])
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    position += 1
                    return String(decoding: buffer, as: UTF8.self)
                }
                if byte < 0x20 { throw fail("control character inside a string") }
                guard byte == UInt8(ascii: "\\") else {
                    buffer.append(byte)
                    position += 1
                    continue
                }
                guard position + 1 < bytes.count else { break }
                let escape = bytes[position + 1]
                position += 2
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(escape)
                case UInt8(ascii: "b"): buffer.append(8)
                case UInt8(ascii: "f"): buffer.append(12)
                case UInt8(ascii: "n"): buffer.append(10)
                case UInt8(ascii: "r"): buffer.append(13)
                case UInt8(ascii: "t"): buffer.append(9)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                        bytes[position + 1] == UInt8(ascii: "u")
                    {
                        position += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid UTF-16 surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    let character = UnicodeScalar(scalar) ?? "\u{FFFD}"
                    buffer.append(contentsOf: Array(String(character).utf8))
                default:
                    position -= 1
                    throw fail("invalid escape '\\\(Character(UnicodeScalar(escape)))' in a string")
                }
            }
            throw fail("unterminated string")
        }

        mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count else { throw fail("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - 48
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - 87
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - 55
                default: throw fail("invalid hex digit in a \\u escape")
                }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            return value
        }

        mutating func array(depth: Int) throws -> JSONValue {
            position += 1
            skipWhitespace()
            var values: [JSONValue] = []
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(values)
            }
            while true {
                skipWhitespace()
                values.append(try value(depth: depth + 1))
                skipWhitespace()
                guard position < bytes.count else { throw fail("unexpected end of input inside an array") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                if bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    return .array(values)
                }
                throw fail("expected ',' or ']' in an array")
            }
        }

        /// Walks an object's members without building it: `body` reads each member's value
        /// (it must consume exactly one value). Position is at the `{`.
        mutating func forEachMember(depth: Int, _ body: (inout Parser, String) throws -> Void) throws {
            guard depth < JSONReader.maxDepth else { throw fail("nesting deeper than \(JSONReader.maxDepth)") }
            position += 1
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a quoted key") }
                let key = try string()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
                position += 1
                skipWhitespace()
                guard position < bytes.count else { throw fail("unexpected end of input, expected a value") }
                try body(&self, key)
                skipWhitespace()
                guard position < bytes.count else { throw fail("unexpected end of input inside an object") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                if bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    return
                }
                throw fail("expected ',' or '}' in an object")
            }
        }

        /// Whether the next value is an object.
        var atObject: Bool { position < bytes.count && bytes[position] == UInt8(ascii: "{") }

        // Its own loop rather than `forEachMember`: a closure per member in a hot decoder cost a
        // quarter of the OTLP protobuf decoder's rate (2026-11-23); not measured here, not risked.
        mutating func object(depth: Int) throws -> JSONValue {
            position += 1
            skipWhitespace()
            var members: [(key: String, value: JSONValue)] = []
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a quoted key") }
                let key = try string()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
                position += 1
                skipWhitespace()
                members.append((key, try value(depth: depth + 1)))
                skipWhitespace()
                guard position < bytes.count else { throw fail("unexpected end of input inside an object") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                if bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    return .object(members)
                }
                throw fail("expected ',' or '}' in an object")
            }
        }
    }
}

internal import NIOCore

/// Incremental HTTP/1.1 response parser for the load connections.
///
/// The engine needs only the status, keep-alive, the end of the message and (for captures)
/// the body, so it reads exactly that from raw bytes instead of building full header
/// dictionaries per response: at tens of thousands of responses per second, NIOHTTP1's
/// general-purpose decoder cost more CPU than everything else in the generator together.
/// Handles Content-Length, chunked bodies (with trailers), bodies delimited by connection
/// close, 1xx interim responses and bodiless responses (HEAD, 204, 304).
struct HTTPResponseParser {
    struct Response {
        var status: Int
        var keepAlive: Bool
        /// Only when `collectBody` was set for the request.
        var body: ByteBuffer?
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    private enum State {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
    }

    private var state = State.head
    private var buffer = ByteBuffer()
    private var status = 0
    private var keepAlive = true
    private var body: ByteBuffer?
    /// Set per request before its response arrives.
    var collectBody = false
    var isHeadRequest = false

    /// Largest response head accepted; beyond it the connection is considered broken.
    static let maximumHeadSize = 64 * 1024

    /// Adds received bytes; then call ``next()`` until it returns `nil`.
    mutating func append(_ input: inout ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer = input
        } else {
            buffer.writeBuffer(&input)
        }
    }

    /// The next complete response, or `nil` when more input is needed. Kept separate from
    /// ``append(_:)`` so the caller can start the next request (and set `collectBody`)
    /// between responses without overlapping access to the parser.
    mutating func next() throws(Malformed) -> Response? {
        guard buffer.readableBytes > 0 else { return nil }
        return try step()
    }

    /// The peer closed the connection: completes a body delimited by the close.
    mutating func end() -> Response? {
        guard case .untilClose = state else { return nil }
        return finish()
    }

    /// Advances through as much input as possible; returns a response when one completes,
    /// `nil` when more input is needed.
    private mutating func step() throws(Malformed) -> Response? {
        while true {
            switch state {
            case .head:
                guard let headLength = Self.find(crlfcrlf: buffer) else {
                    if buffer.readableBytes > Self.maximumHeadSize { throw Malformed(description: "response head too large") }
                    return nil
                }
                let bodyKind = try parseHead(length: headLength)
                buffer.moveReaderIndex(forwardBy: headLength)
                if (100..<200).contains(status) && status != 101 { continue }
                body = collectBody ? ByteBuffer() : nil
                switch bodyKind {
                case .none: return finish()
                case .length(0): return finish()
                case .length(let length): state = .fixedBody(remaining: length)
                case .chunked: state = .chunkSize
                case .untilClose:
                    keepAlive = false
                    state = .untilClose
                }
            case .fixedBody(let remaining):
                let count = min(remaining, buffer.readableBytes)
                take(count)
                if count == remaining { return finish() }
                state = .fixedBody(remaining: remaining - count)
                return nil
            case .chunkSize:
                guard let lineLength = Self.find(crlf: buffer) else { return nil }
                let size = try buffer.withUnsafeReadableBytes { bytes throws(Malformed) -> Int in
                    var size = 0
                    var digits = 0
                    for byte in bytes.prefix(lineLength - 2) {
                        guard let digit = Self.hexValue(byte) else { break }
                        size = size * 16 + digit
                        digits += 1
                        if digits > 15 { throw Malformed(description: "chunk size too large") }
                    }
                    if digits == 0 { throw Malformed(description: "invalid chunk size") }
                    return size
                }
                buffer.moveReaderIndex(forwardBy: lineLength)
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let count = min(remaining, buffer.readableBytes)
                take(count)
                if count < remaining {
                    state = .chunkData(remaining: remaining - count)
                    return nil
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                guard buffer.readableBytes >= 2 else { return nil }
                buffer.moveReaderIndex(forwardBy: 2)
                state = .chunkSize
            case .trailers:
                guard let lineLength = Self.find(crlf: buffer) else { return nil }
                buffer.moveReaderIndex(forwardBy: lineLength)
                if lineLength == 2 { return finish() }
            case .untilClose:
                take(buffer.readableBytes)
                return nil
            }
        }
    }

    private mutating func take(_ count: Int) {
        if collectBody, var slice = buffer.readSlice(length: count) {
            body?.writeBuffer(&slice)
        } else {
            buffer.moveReaderIndex(forwardBy: count)
        }
    }

    private mutating func finish() -> Response {
        let response = Response(status: status, keepAlive: keepAlive, body: body)
        state = .head
        body = nil
        return response
    }

    private enum BodyKind {
        case none
        case length(Int)
        case chunked
        case untilClose
    }

    /// Reads the status line and the three headers that matter for framing and reuse.
    private mutating func parseHead(length: Int) throws(Malformed) -> BodyKind {
        let isHeadRequest = isHeadRequest
        return try buffer.withUnsafeReadableBytes { raw throws(Malformed) -> BodyKind in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[raw.startIndex..<(raw.startIndex + length)])
            // "HTTP/1.1 200 OK"
            guard bytes.count >= 12, bytes[0] == UInt8(ascii: "H"), bytes[4] == UInt8(ascii: "/"), bytes[8] == UInt8(ascii: " "),
                let d1 = Self.digit(bytes[9]), let d2 = Self.digit(bytes[10]), let d3 = Self.digit(bytes[11])
            else { throw Malformed(description: "invalid status line") }
            status = d1 * 100 + d2 * 10 + d3
            keepAlive = !(bytes[5] == UInt8(ascii: "1") && bytes[7] == UInt8(ascii: "0"))
            var contentLength: Int?
            var chunked = false
            var lineStart = 0
            while lineStart < bytes.count, bytes[lineStart] != UInt8(ascii: "\r") { lineStart += 1 }
            lineStart += 2
            while lineStart < bytes.count - 2 {
                var lineEnd = lineStart
                while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\r") { lineEnd += 1 }
                var colon = lineStart
                while colon < lineEnd, bytes[colon] != UInt8(ascii: ":") { colon += 1 }
                if colon < lineEnd {
                    var valueStart = colon + 1
                    while valueStart < lineEnd, bytes[valueStart] == UInt8(ascii: " ") || bytes[valueStart] == UInt8(ascii: "\t") { valueStart += 1 }
                    let name = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<colon])
                    let value = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<lineEnd])
                    if Self.equalsIgnoringCase(name, "content-length") {
                        var length = 0
                        for byte in value {
                            guard let digit = Self.digit(byte) else { break }
                            length = length * 10 + digit
                            if length > 1 << 40 { throw Malformed(description: "content-length too large") }
                        }
                        contentLength = length
                    } else if Self.equalsIgnoringCase(name, "transfer-encoding") {
                        chunked = Self.contains(value, "chunked")
                    } else if Self.equalsIgnoringCase(name, "connection") {
                        if Self.contains(value, "close") { keepAlive = false }
                        if Self.contains(value, "keep-alive") { keepAlive = true }
                    }
                }
                lineStart = lineEnd + 2
            }
            if isHeadRequest || status == 204 || status == 304 || (100..<200).contains(status) { return .none }
            if chunked { return .chunked }
            if let contentLength { return .length(contentLength) }
            return .untilClose
        }
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    private static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        for index in 0..<bytes.count where lower(bytes[index]) != expected[index] { return false }
        return true
    }

    private static func contains(_ bytes: UnsafeRawBufferPointer, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        let expected = UnsafeRawBufferPointer(start: word.utf8Start, count: count)
        outer: for start in 0...(bytes.count - count) {
            for index in 0..<count where lower(bytes[start + index]) != expected[index] { continue outer }
            return true
        }
        return false
    }

    /// Length up to and including the first CRLFCRLF.
    private static func find(crlfcrlf buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count >= 4 else { return nil }
            var index = 0
            while index <= bytes.count - 4 {
                if bytes[index + 3] != 10 { index += bytes[index + 3] == 13 ? 1 : 4; continue }
                if bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 { return index + 4 }
                index += 1
            }
            return nil
        }
    }

    /// Length up to and including the first CRLF.
    private static func find(crlf buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count >= 2 else { return nil }
            for index in 0..<(bytes.count - 1) where bytes[index] == 13 && bytes[index + 1] == 10 { return index + 2 }
            return nil
        }
    }
}

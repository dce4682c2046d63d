/// A header line of a scanned head, as offsets from the head's first byte (no copy is made).
struct ScannedField: Equatable {
    var name: Range<Int>
    var value: Range<Int>
}

/// Why a request head leaves the byte-level fast path for the full HTTP pipeline (which then
/// answers it exactly as before: 400, 431, a body, an upgrade...). Anything the scanner does not
/// understand completely is a reason: the fast path takes only what it can relay correctly.
enum FastPathFallback: String, Error, Equatable, CaseIterable {
    case notHTTP11 = "not HTTP/1.1"
    case method = "method other than GET or HEAD"
    case target = "request target not in origin form"
    case bareLF = "bare LF line ending"
    case obsFold = "obsolete line folding"
    case malformed = "malformed request line or header"
    case nonASCII = "non-ASCII header value"
    case duplicateContentLength = "duplicate Content-Length"
    case body = "request body"
    case transferEncoding = "Transfer-Encoding"
    case upgrade = "Upgrade"
    case expect = "Expect"
    case connectionToken = "Connection names a header"
    case host = "missing or repeated Host"
    case traceparent = "repeated traceparent"
    case tooLarge = "head over the header limit"
    case route = "route needs the full path (cache, compression, images, refusal)"
}

/// What the fast path needs of a request head: where its parts are, and the few headers it
/// decides on. `length` counts the head's bytes up to and including its blank line.
struct ScannedRequest: Equatable {
    var length: Int
    var method: Range<Int>
    var target: Range<Int>
    var isHead: Bool
    var fields: [ScannedField]
    var host: Range<Int>
    var traceparent: Range<Int>?
    var authorized = false
    var cookie = false
    /// `Connection: close`.
    var closeAfter = false
    /// The head's size as `ForwardedHeaders.headBytes` counts it (the 431 limit).
    var limitBytes: Int
}

enum RequestScan: Equatable {
    /// No blank line yet (and the bytes so far are within the limit).
    case incomplete
    case request(ScannedRequest)
    case fallback(FastPathFallback)
}

/// The strict HTTP/1.1 request-head scanner of the fast path: one pass over the bytes, offsets
/// only. It accepts GET and HEAD heads without a body in origin form with CRLF line endings and
/// header names and values of visible ASCII; everything else is a `FastPathFallback`.
enum HeadScanner {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10

    /// Offset just past the head's blank line (CRLFCRLF); nil while incomplete. A bare LF is an error.
    static func headEnd(_ bytes: UnsafeRawBufferPointer) -> Result<Int, FastPathFallback>? {
        var index = 0
        let count = bytes.count
        while index < count {
            if bytes[index] == lf {
                guard index > 0, bytes[index - 1] == cr else { return .failure(.bareLF) }
                if index >= 3, bytes[index - 2] == lf, bytes[index - 3] == cr { return .success(index + 1) }
            }
            index += 1
        }
        return nil
    }

    static func scanRequest(_ bytes: UnsafeRawBufferPointer, limit: Int) -> RequestScan {
        guard let end = headEnd(bytes) else { return bytes.count > limit ? .fallback(.tooLarge) : .incomplete }
        let length: Int
        switch end {
        case .failure(let reason): return .fallback(reason)
        case .success(let found): length = found
        }
        // The request line: METHOD SP target SP HTTP/1.1 CRLF.
        var index = 0
        while index < length, isToken(bytes[index]) { index += 1 }
        let method = 0..<index
        guard !method.isEmpty, index < length, bytes[index] == 32 else { return .fallback(.malformed) }
        let isHead: Bool
        if equals(bytes, method, "GET") { isHead = false } else if equals(bytes, method, "HEAD") { isHead = true } else { return .fallback(.method) }
        index += 1
        let targetStart = index
        while index < length, bytes[index] > 32, bytes[index] < 127 { index += 1 }
        let target = targetStart..<index
        guard !target.isEmpty, bytes[targetStart] == UInt8(ascii: "/") else { return .fallback(.target) }
        guard index + 11 <= length, bytes[index] == 32 else { return .fallback(.malformed) }
        guard equals(bytes, index + 1..<index + 9, "HTTP/1.1") else { return .fallback(.notHTTP11) }
        index += 9
        guard bytes[index] == cr, bytes[index + 1] == lf else { return .fallback(.malformed) }
        index += 2

        var request = ScannedRequest(
            length: length, method: method, target: target, isHead: isHead, fields: [], host: 0..<0,
            limitBytes: method.count + target.count + 12)
        var sawHost = false
        var sawLength = false
        request.fields.reserveCapacity(16)
        while index < length - 2 {
            switch scanField(bytes, from: index, end: length) {
            case .failure(let reason):
                return .fallback(reason)
            case .success(let (field, next)):
                index = next
                request.fields.append(field)
                request.limitBytes += field.name.count + field.value.count + 4
                switch lowercasedName(bytes, field.name) {
                case .host:
                    if sawHost { return .fallback(.host) }
                    sawHost = true
                    request.host = field.value
                case .contentLength:
                    if sawLength { return .fallback(.duplicateContentLength) }
                    sawLength = true
                    guard !field.value.isEmpty, field.value.allSatisfy({ bytes[$0] >= 48 && bytes[$0] <= 57 }) else { return .fallback(.malformed) }
                    if field.value.contains(where: { bytes[$0] != 48 }) { return .fallback(.body) }
                case .transferEncoding: return .fallback(.transferEncoding)
                case .upgrade: return .fallback(.upgrade)
                case .expect: return .fallback(.expect)
                case .connection:
                    for token in tokens(bytes, field.value) {
                        if equalsLowercased(bytes, token, "close") {
                            request.closeAfter = true
                        } else if equalsLowercased(bytes, token, "upgrade") {
                            return .fallback(.upgrade)
                        } else if !equalsLowercased(bytes, token, "keep-alive") {
                            return .fallback(.connectionToken)
                        }
                    }
                case .traceparent:
                    if request.traceparent != nil { return .fallback(.traceparent) }
                    request.traceparent = field.value
                case .authorization: request.authorized = true
                case .cookie: request.cookie = true
                case .other, .xForwardedFor, .hopByHop, .replacedForwarded: break
                }
            }
        }
        guard sawHost else { return .fallback(.host) }
        if request.limitBytes > limit { return .fallback(.tooLarge) }
        return .request(request)
    }

    /// One `name: value CRLF` line from `start`; the value without surrounding whitespace. A response's
    /// value may carry obs-text (UTF-8 in a filename, say); a request's takes the full path then.
    static func scanField(
        _ bytes: UnsafeRawBufferPointer, from start: Int, end: Int, allowObsText: Bool = false
    ) -> Result<(ScannedField, Int), FastPathFallback> {
        var index = start
        if bytes[index] == 32 || bytes[index] == 9 { return .failure(.obsFold) }
        while index < end, isToken(bytes[index]) { index += 1 }
        let name = start..<index
        guard !name.isEmpty, index < end, bytes[index] == UInt8(ascii: ":") else { return .failure(.malformed) }
        index += 1
        while index < end, bytes[index] == 32 || bytes[index] == 9 { index += 1 }
        let valueStart = index
        var valueEnd = index
        while index < end, bytes[index] != cr {
            let byte = bytes[index]
            if byte >= 128 && !allowObsText { return .failure(.nonASCII) }
            if byte < 32 && byte != 9 || byte == 127 { return .failure(.malformed) }
            if byte != 32 && byte != 9 { valueEnd = index + 1 }
            index += 1
        }
        guard index + 1 < end, bytes[index + 1] == lf else { return .failure(.malformed) }
        return .success((ScannedField(name: name, value: valueStart..<valueEnd), index + 2))
    }

    // MARK: names

    /// The header names the fast path treats specially (lowercase comparison).
    enum Name {
        case host, contentLength, transferEncoding, upgrade, expect, connection, traceparent, authorization, cookie
        case xForwardedFor
        /// Hop-by-hop (RFC 9110 §7.6.1, `ForwardedHeaders.hopByHop`): not passed on either way.
        case hopByHop
        /// `X-Forwarded-Host`/`-Proto`: replaced by the edge's own on the request.
        case replacedForwarded
        case other
    }

    static func lowercasedName(_ bytes: UnsafeRawBufferPointer, _ name: Range<Int>) -> Name {
        switch name.count {
        case 2: if equalsLowercased(bytes, name, "te") { return .hopByHop }
        case 4: if equalsLowercased(bytes, name, "host") { return .host }
        case 6:
            if equalsLowercased(bytes, name, "expect") { return .expect }
            if equalsLowercased(bytes, name, "cookie") { return .cookie }
        case 7:
            if equalsLowercased(bytes, name, "upgrade") { return .upgrade }
            if equalsLowercased(bytes, name, "trailer") { return .hopByHop }
        case 10:
            if equalsLowercased(bytes, name, "connection") { return .connection }
            if equalsLowercased(bytes, name, "keep-alive") { return .hopByHop }
        case 11: if equalsLowercased(bytes, name, "traceparent") { return .traceparent }
        case 13: if equalsLowercased(bytes, name, "authorization") { return .authorization }
        case 14: if equalsLowercased(bytes, name, "content-length") { return .contentLength }
        case 15:
            if equalsLowercased(bytes, name, "x-forwarded-for") { return .xForwardedFor }
        case 16:
            if equalsLowercased(bytes, name, "x-forwarded-host") { return .replacedForwarded }
            if equalsLowercased(bytes, name, "proxy-connection") { return .hopByHop }
        case 17:
            if equalsLowercased(bytes, name, "transfer-encoding") { return .transferEncoding }
            if equalsLowercased(bytes, name, "x-forwarded-proto") { return .replacedForwarded }
        case 18: if equalsLowercased(bytes, name, "proxy-authenticate") { return .hopByHop }
        case 19: if equalsLowercased(bytes, name, "proxy-authorization") { return .hopByHop }
        default: break
        }
        return .other
    }

    // MARK: bytes

    /// RFC 9110 `tchar`.
    @inline(__always) static func isToken(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    static func equals(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let text = literal.utf8Start
        for offset in 0..<range.count where bytes[range.lowerBound + offset] != text[offset] { return false }
        return true
    }

    /// Case-insensitive against a lowercase literal.
    static func equalsLowercased(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let text = literal.utf8Start
        for offset in 0..<range.count {
            var byte = bytes[range.lowerBound + offset]
            if byte >= 65 && byte <= 90 { byte |= 0x20 }
            if byte != text[offset] { return false }
        }
        return true
    }

    /// The comma-separated tokens of a value, trimmed (empty ones skipped).
    static func tokens(_ bytes: UnsafeRawBufferPointer, _ value: Range<Int>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = value.lowerBound
        for index in value.lowerBound...value.upperBound where index == value.upperBound || bytes[index] == UInt8(ascii: ",") {
            var lower = start
            var upper = index
            while lower < upper, bytes[lower] == 32 || bytes[lower] == 9 { lower += 1 }
            while upper > lower, bytes[upper - 1] == 32 || bytes[upper - 1] == 9 { upper -= 1 }
            if lower < upper { result.append(lower..<upper) }
            start = index + 1
        }
        return result
    }

    static func string(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}

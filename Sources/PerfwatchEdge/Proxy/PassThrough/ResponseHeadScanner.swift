/// How an upstream response's body is delimited (RFC 9112 §6.3).
enum BodyFraming: Equatable {
    /// No body: a HEAD request's answer, 204, 304.
    case none
    case length(Int)
    case chunked
    /// No length and not chunked: the body ends when the upstream closes.
    case untilClose
}

/// An upstream response head, as offsets from its first byte.
struct ScannedResponse: Equatable {
    var length: Int
    var status: Int
    /// The reason phrase (may be empty).
    var reason: Range<Int>
    var fields: [ScannedField]
    var framing: BodyFraming
    /// The upstream keeps the connection open after this response.
    var keepAlive: Bool
    /// Header names the `Connection` header lists (hop-by-hop, not passed on).
    var connectionTokens: [Range<Int>] = []
}

enum ResponseScan: Equatable {
    case incomplete
    case response(ScannedResponse)
    /// Not a response the fast path relays: the edge answers 502 with this detail.
    case malformed(String)
}

/// The upstream side of the fast path: a strict HTTP/1.x status line and headers, framing by
/// `Content-Length` (one, digits) or `Transfer-Encoding: chunked` (alone), else until close.
/// Informational (1xx) answers and anything ambiguous are malformed: the edge answers 502.
extension HeadScanner {
    static let responseHeadLimit = 64 * 1024

    static func scanResponse(_ bytes: UnsafeRawBufferPointer, requestIsHead: Bool) -> ResponseScan {
        guard let end = headEnd(bytes) else {
            return bytes.count > responseHeadLimit ? .malformed("response head over \(responseHeadLimit) bytes") : .incomplete
        }
        let length: Int
        switch end {
        case .failure: return .malformed("bare LF in the response head")
        case .success(let found): length = found
        }
        // HTTP/1.x SP 3DIGIT [SP reason] CRLF
        guard length >= 14, equals(bytes, 0..<7, "HTTP/1."), bytes[7] == 48 || bytes[7] == 49, bytes[8] == 32 else {
            return .malformed("not an HTTP/1.x status line")
        }
        let http11 = bytes[7] == 49
        var status = 0
        for index in 9..<12 {
            guard bytes[index] >= 48, bytes[index] <= 57 else { return .malformed("status code is not three digits") }
            status = status * 10 + Int(bytes[index] - 48)
        }
        guard status >= 200 else { return .malformed("informational status \(status) where a final response was expected") }
        var index = 12
        var reason = 12..<12
        if bytes[index] == 32 {
            index += 1
            let start = index
            while index < length, bytes[index] != cr {
                if bytes[index] < 32 && bytes[index] != 9 || bytes[index] == 127 { return .malformed("control character in the reason phrase") }
                index += 1
            }
            reason = start..<index
        }
        guard index + 1 < length, bytes[index] == cr, bytes[index + 1] == lf else { return .malformed("malformed status line") }
        index += 2

        var response = ScannedResponse(length: length, status: status, reason: reason, fields: [], framing: .untilClose, keepAlive: http11)
        var contentLength: Int?
        var chunked = false
        response.fields.reserveCapacity(16)
        while index < length - 2 {
            guard case .success(let (field, next)) = scanField(bytes, from: index, end: length, allowObsText: true) else {
                return .malformed("malformed header line")
            }
            index = next
            response.fields.append(field)
            switch lowercasedName(bytes, field.name) {
            case .contentLength:
                guard contentLength == nil else { return .malformed("more than one Content-Length") }
                guard !field.value.isEmpty, field.value.count <= 15, field.value.allSatisfy({ bytes[$0] >= 48 && bytes[$0] <= 57 }) else {
                    return .malformed("Content-Length is not a number")
                }
                contentLength = field.value.reduce(0) { $0 * 10 + Int(bytes[$1] - 48) }
            case .transferEncoding:
                guard !chunked, equalsLowercased(bytes, field.value, "chunked") else {
                    return .malformed("Transfer-Encoding other than chunked")
                }
                chunked = true
            case .connection:
                for token in tokens(bytes, field.value) {
                    if equalsLowercased(bytes, token, "close") {
                        response.keepAlive = false
                    } else if equalsLowercased(bytes, token, "keep-alive") {
                        if !http11 { response.keepAlive = true }
                    } else {
                        response.connectionTokens.append(token)
                    }
                }
            default:
                break
            }
        }
        if chunked && contentLength != nil { return .malformed("both Content-Length and Transfer-Encoding") }
        if requestIsHead || status == 204 || status == 304 {
            response.framing = .none
        } else if let contentLength {
            response.framing = .length(contentLength)
        } else if chunked {
            response.framing = .chunked
        } else {
            response.framing = .untilClose
            response.keepAlive = false
        }
        return .response(response)
    }
}

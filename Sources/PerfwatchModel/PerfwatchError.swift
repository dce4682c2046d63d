/// Errors with a stable code and a human message; the HTTP layer maps codes to statuses in one place.
public struct PerfwatchError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case badRequest = "bad_request"
        case payloadTooLarge = "payload_too_large"
        case unprocessable = "unprocessable"
        case unsupportedMediaType = "unsupported_media_type"
        case notFound = "not_found"
        /// The request contradicts the resource's state (409), e.g. rolling back what is not applied.
        case conflict = "conflict"
        case methodNotAllowed = "method_not_allowed"
        case overloaded = "overloaded"
        /// One client sends too fast (429); others are still served.
        case tooManyRequests = "too_many_requests"
        case unauthorized = "unauthorized"
        case forbidden = "forbidden"
        case unavailable = "unavailable"
        case `internal` = "internal"
    }

    public var code: Code
    public var message: String
    public var cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(code.rawValue): \(message) (\(cause))" }
        return "\(code.rawValue): \(message)"
    }
}

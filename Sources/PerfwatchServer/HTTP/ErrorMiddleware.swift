import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import PerfwatchModel

/// The one place where errors become HTTP responses: `{"error":{"code","message"}}` with the
/// status for the code. Anything unexpected is logged and answered 500 without details.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let refusal = Self.refusal(for: error, request: request)
            if refusal.code == .internal {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            }
            return Self.response(for: refusal)
        }
    }

    /// What a client is told for `error`: our own errors as they are, Hummingbird's and NIO's
    /// by their meaning, anything else a bare 500 (logged by the caller, details withheld).
    /// Routes with their own envelope (OTLP) use it too, so a status means the same everywhere.
    static func refusal(for error: any Error, request: Request) -> PerfwatchError {
        switch error {
        case let error as PerfwatchError:
            return error
        case let error as HTTPError:
            let code: PerfwatchError.Code
            switch error.status.code {
            case 404: code = .notFound
            case 405: code = .methodNotAllowed
            case 413: code = .payloadTooLarge
            case 401: code = .unauthorized
            default: code = error.status.code < 500 ? .badRequest : .internal
            }
            let message = error.body ?? (error.status.code == 404 ? "no route for \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            return PerfwatchError(code, message)
        case let error as HTTPParserError:
            // Broken framing (a chunk size past 64 bits, an unterminated chunk extension) is
            // the client's fault: a 400, never a 500 that alerting on 5xx would page for.
            return PerfwatchError(.badRequest, "malformed HTTP request body: \(error)")
        case let error as ChannelError:
            // The body ended before its declared length (the client closed mid-body).
            return PerfwatchError(.badRequest, "the request body could not be read to its end: \(error)")
        default:
            return PerfwatchError(.internal, "internal error")
        }
    }

    static func status(for code: PerfwatchError.Code) -> HTTPResponse.Status {
        switch code {
        case .badRequest: .badRequest
        case .payloadTooLarge: .contentTooLarge
        case .unprocessable: .unprocessableContent
        case .unsupportedMediaType: .unsupportedMediaType
        case .notFound: .notFound
        case .conflict: .conflict
        case .methodNotAllowed: .methodNotAllowed
        case .overloaded: .serviceUnavailable
        case .tooManyRequests: .tooManyRequests
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }

    /// Overload and unavailability are temporary: such answers carry `Retry-After`.
    static func asksToRetry(_ code: PerfwatchError.Code) -> Bool {
        code == .overloaded || code == .unavailable || code == .tooManyRequests
    }

    /// The body of every refusal (`ErrorResponse`).
    static func json(for error: PerfwatchError) -> String {
        (try? CompactJSONEncoder().encode(ErrorResponse(error))) ?? "{}"
    }

    static func response(for error: PerfwatchError, headers extra: HTTPFields = [:]) -> Response {
        let text = Self.json(for: error)
        var headers: HTTPFields = [.contentType: "application/json"]
        if asksToRetry(error.code) { headers[.retryAfter] = "1" }
        headers.append(contentsOf: extra)
        return Response(status: status(for: error.code), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

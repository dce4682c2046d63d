import Hummingbird
import NIOCore
import PerfwatchIngest
import PerfwatchModel
import PerfwatchStorage

/// OTLP/HTTP on its standard paths, so an OpenTelemetry SDK pointed at this port just works.
/// Responses follow the specification: an `Export*ServiceResponse` in the request's encoding
/// (with `partial_success` when some spans are refused), and a `google.rpc.Status` body on errors.
struct OTLPRoutes {
    let components: ServerComponents

    enum Encoding {
        case protobuf, json
    }

    func register(on router: Router<AppRequestContext>) {
        router.post("/v1/traces") { request, _ in await self.traces(request) }
        router.rejectOtherMethods("/v1/traces", allowed: [.post])
        router.post("/v1/metrics") { request, _ in await self.metrics(request) }
        router.rejectOtherMethods("/v1/metrics", allowed: [.post])
        router.post("/v1/logs") { request, _ in
            let encoding = (try? Self.encoding(of: request)) ?? .json
            return Self.status(
                for: PerfwatchError(.notFound, "OTLP logs are not supported yet; send traces to /v1/traces"), encoding: encoding)
        }
    }

    static func encoding(of request: Request) throws -> Encoding {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        if type.hasPrefix("application/x-protobuf") || type.hasPrefix("application/protobuf") { return .protobuf }
        if type.hasPrefix("application/json") { return .json }
        throw PerfwatchError(
            .unsupportedMediaType, "Content-Type '\(type)' is not supported; OTLP/HTTP uses application/x-protobuf or application/json")
    }

    func metrics(_ request: Request) async -> Response {
        await handle(request) { body, encoding, pass in
            let mapped = try components.otlpMetrics.decode(body, json: encoding == .json, nowMs: TimeParsing.nowMs())
            pass.prepared()
            if mapped.rejected > 0 {
                components.statistics.recordRejections(Array(repeating: "otlp_invalid_data_point", count: mapped.rejected))
            }
            let receipt = try await components.pipeline.submit(mapped.points)
            let rejected = mapped.rejected + receipt.kindConflicts.count
            var message = mapped.errorMessage
            if !receipt.kindConflicts.isEmpty {
                message += (message.isEmpty ? "" : "; ") + "\(receipt.kindConflicts.count) data points conflict with an existing metric's kind"
            }
            return try Self.exportResponse(rejected: rejected, message: message, encoding: encoding, refused: .dataPoints)
        }
    }

    func traces(_ request: Request) async -> Response {
        await handle(request) { body, encoding, pass in
            let decoded: OTLPTraces
            switch encoding {
            case .json: decoded = try OTLPJSONTraceDecoder().decode(body)
            case .protobuf: decoded = try OTLPProtobufTraceDecoder().decode(body)
            }
            if decoded.rejected > 0 {
                components.statistics.recordRejections(Array(repeating: "otlp_invalid_span", count: decoded.rejected))
            }
            var spans = decoded.spans
            let derived = SpanDerivations.derive(from: &spans)
            // Encoded here, on the request's task, so the single writer only stores blobs.
            let payload = IngestPayload(spanBlocks: SpanBlockCodec.encodeBlocks(spans), derived: derived.points, statements: derived.statements)
            pass.prepared()
            _ = try await components.pipeline.submit(payload)
            return try Self.exportResponse(rejected: decoded.rejected, message: decoded.errorMessage, encoding: encoding, refused: .spans)
        }
    }

    /// Reads the body in the request's encoding and turns every failure into an OTLP status.
    func handle(_ request: Request, _ body: ([UInt8], Encoding, IngestAdmission.Pass) async throws -> Response) async -> Response {
        var request = request
        var encoding = Encoding.json
        do {
            encoding = try Self.encoding(of: request)
            let decided = encoding
            return try await request.admittedBody(limit: components.configuration.maxBodyBytes, admission: components.admission) {
                try await body($0, decided, $1)
            }
        } catch {
            return Self.status(for: ErrorMiddleware<AppRequestContext>.refusal(for: error, request: request), encoding: encoding)
        }
    }

    /// `Export{Trace,Metrics}ServiceResponse`: empty on full success, else `partial_success`
    /// (field 1 is `rejected_spans` or `rejected_data_points`, field 2 the message, in both).
    static func exportResponse(rejected: Int, message: String, encoding: Encoding, refused: OTLPExportResponse.Refused) throws -> Response {
        switch encoding {
        case .json:
            return try .json(OTLPExportResponse(rejected: rejected, of: refused, message: message))
        case .protobuf:
            var inner = ProtobufWriter()
            if rejected > 0 {
                inner.varintField(1, UInt64(rejected))
                inner.stringField(2, message)
            }
            var outer = ProtobufWriter()
            if rejected > 0 { outer.bytesField(1, inner.bytes) }
            return Response(
                status: .ok, headers: [.contentType: "application/x-protobuf"], body: .init(byteBuffer: ByteBuffer(bytes: outer.bytes)))
        }
    }

    /// The gRPC status code OTLP clients expect for each of our error codes.
    static func grpcCode(_ code: PerfwatchError.Code) -> Int {
        switch code {
        case .badRequest: 3  // INVALID_ARGUMENT
        case .payloadTooLarge: 8  // RESOURCE_EXHAUSTED
        case .overloaded, .unavailable: 14  // UNAVAILABLE
        case .unauthorized: 16  // UNAUTHENTICATED
        case .forbidden: 7  // PERMISSION_DENIED
        case .notFound: 12  // UNIMPLEMENTED: the only OTLP path we answer 404 on is /v1/logs
        case .internal: 13  // INTERNAL
        default: 2  // UNKNOWN
        }
    }

    /// `google.rpc.Status {code, message}` in the request's encoding, with the HTTP status and
    /// `Retry-After` the error middleware would give the same error.
    static func status(for error: PerfwatchError, encoding: Encoding) -> Response {
        let httpStatus = ErrorMiddleware<AppRequestContext>.status(for: error.code)
        let code = grpcCode(error.code)
        var response: Response
        switch encoding {
        case .json:
            // The encoder cannot fail on these plain strings and numbers; the fallback keeps the status.
            response = (try? Response.json(OTLPStatus(grpcCode: code, error: error), status: httpStatus)) ?? Response(status: httpStatus)
        case .protobuf:
            var writer = ProtobufWriter()
            writer.varintField(1, UInt64(code))
            writer.stringField(2, error.message)
            response = Response(
                status: httpStatus, headers: [.contentType: "application/x-protobuf"],
                body: .init(byteBuffer: ByteBuffer(bytes: writer.bytes)))
        }
        if ErrorMiddleware<AppRequestContext>.asksToRetry(error.code) { response.headers[.retryAfter] = "1" }
        return response
    }
}

/// Just enough protobuf encoding for the small OTLP response messages.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        bytes.append(UInt8(remaining))
    }

    mutating func varintField(_ number: UInt64, _ value: UInt64) {
        varint(number << 3)
        varint(value)
    }

    mutating func bytesField(_ number: UInt64, _ value: [UInt8]) {
        varint(number << 3 | 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func stringField(_ number: UInt64, _ value: String) { bytesField(number, Array(value.utf8)) }
}

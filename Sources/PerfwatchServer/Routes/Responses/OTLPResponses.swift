import PerfwatchModel

/// `Export{Trace,Metrics}ServiceResponse` in OTLP/JSON: `{}` on full success, else
/// `partialSuccess` with the refused count (a string: int64 in proto3 JSON) and why.
struct OTLPExportResponse: Encodable {
    /// What was refused, which names the count's field.
    enum Refused {
        case spans, dataPoints
    }

    struct PartialSuccess: Encodable {
        @OmittedWhenNil var rejectedSpans: String?
        @OmittedWhenNil var rejectedDataPoints: String?
        let errorMessage: String
    }

    @OmittedWhenNil var partialSuccess: PartialSuccess? = nil

    init(rejected: Int, of refused: Refused, message: String) {
        guard rejected > 0 else {
            partialSuccess = nil
            return
        }
        partialSuccess = PartialSuccess(
            rejectedSpans: refused == .spans ? String(rejected) : nil, rejectedDataPoints: refused == .dataPoints ? String(rejected) : nil,
            errorMessage: message)
    }
}

/// `google.rpc.Status` in OTLP/JSON: the gRPC code and message, plus our own `error` object so
/// a client reading our usual refusal body finds it here too.
struct OTLPStatus: Encodable {
    let code: Int
    let message: String
    let error: ErrorResponse.Detail

    init(grpcCode: Int, error: PerfwatchError) {
        code = grpcCode
        message = error.message
        self.error = ErrorResponse(error).error
    }
}

import NIOCore

/// The fast path's parsers for the fuzz target `edge-heads` (Fuzz/): the request-head scanner, the
/// response-head scanner and the chunked decoder over one input. Traps when a result points outside
/// the input or the decoder hands out more than it was given — what a server must never do on
/// hostile bytes.
public enum EdgeHeadFuzzing {
    public static func run(_ input: [UInt8]) {
        input.withUnsafeBytes { bytes in
            if case .request(let request) = HeadScanner.scanRequest(bytes, limit: 4096) {
                precondition(request.length <= bytes.count && request.target.upperBound <= request.length)
                precondition(request.fields.allSatisfy { $0.name.upperBound <= request.length && $0.value.upperBound <= request.length })
            }
            for isHead in [false, true] {
                if case .response(let response) = HeadScanner.scanResponse(bytes, requestIsHead: isHead) {
                    precondition(response.length <= bytes.count && response.status >= 200 && response.status <= 999)
                    precondition(response.fields.allSatisfy { $0.value.upperBound <= response.length })
                }
            }
        }
        var decoder = ChunkedDecoder()
        var buffer = ByteBuffer(bytes: input)
        var data = 0
        do throws(ChunkedDecoder.Malformed) {
            try decoder.feed(&buffer) { data += $0.readableBytes }
        } catch {
            return
        }
        precondition(data + buffer.readableBytes <= input.count)
    }
}

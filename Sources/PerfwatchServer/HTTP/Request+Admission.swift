import Hummingbird
import PerfwatchIngest
import PerfwatchModel

extension Request {
    /// An ingest request's body, read only once `admission` lets it in: an overloaded server
    /// answers 503 + `Retry-After` before reading a byte, and a declared length over `limit`
    /// is answered 413 at once. `use` runs with the body counted in flight and must call
    /// `pass.prepared()` once the body is parsed, before it waits for the commit.
    mutating func admittedBody<T>(
        limit: Int, admission: IngestAdmission, decodingContentEncoding: Bool = true,
        _ use: ([UInt8], IngestAdmission.Pass) async throws -> T
    ) async throws -> T {
        let declared = headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > limit {
            throw PerfwatchError(.payloadTooLarge, "body is larger than the limit of \(limit) bytes")
        }
        var request = self
        return try await admission.admit(bytes: declared ?? limit) { pass in
            let body = try await decodingContentEncoding ? request.bodyBytes(limit: limit) : request.rawBodyBytes(limit: limit)
            return try await use(body, pass)
        }
    }
}

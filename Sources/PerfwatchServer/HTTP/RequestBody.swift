import Foundation
import Hummingbird
import NIOCore
import PerfwatchIngest
import PerfwatchModel

extension Request {
    /// The request body, inflated when `Content-Encoding: gzip`, refused with 413 past `limit`
    /// bytes on the wire or after inflation.
    mutating func bodyBytes(limit: Int) async throws -> [UInt8] {
        let buffer: ByteBuffer
        do {
            buffer = try await collectBody(upTo: limit)
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw PerfwatchError(.payloadTooLarge, "body is larger than the limit of \(limit) bytes")
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw PerfwatchError(.payloadTooLarge, "body is larger than the limit of \(limit) bytes")
        }
        let bytes = Array(buffer.readableBytesView)
        let encoding = headers[.contentEncoding]?.lowercased().trimmingCharacters(in: .whitespaces) ?? "identity"
        switch encoding {
        case "", "identity": return bytes
        case "gzip", "x-gzip", "deflate": return try GzipInflater.inflate(bytes, limit: limit)
        default:
            throw PerfwatchError(.unsupportedMediaType, "Content-Encoding '\(encoding)' is not supported (use gzip or none)")
        }
    }
}

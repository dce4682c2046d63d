import Foundation
import Hummingbird
import NIOCore
import PerfwatchGzip
import PerfwatchIngest
import PerfwatchModel

extension Request {
    /// The request body, inflated when `Content-Encoding: gzip`, refused with 413 past `limit`
    /// bytes on the wire or after inflation.
    mutating func bodyBytes(limit: Int) async throws -> [UInt8] {
        try RequestBodyDecoding.decode(try await rawBodyBytes(limit: limit), contentEncoding: headers[.contentEncoding], limit: limit)
    }

    /// The body as sent, Content-Encoding left to the caller (remote write's snappy), refused
    /// with 413 past `limit` bytes.
    mutating func rawBodyBytes(limit: Int) async throws -> [UInt8] {
        let buffer: ByteBuffer
        do {
            buffer = try await collectBody(upTo: limit)
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw PerfwatchError(.payloadTooLarge, "body is larger than the limit of \(limit) bytes")
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw PerfwatchError(.payloadTooLarge, "body is larger than the limit of \(limit) bytes")
        }
        return Array(buffer.readableBytesView)
    }
}

/// Undoes a request's Content-Encoding; shared by the router's body reading and `BeaconFastPath`.
enum RequestBodyDecoding {
    static func decode(_ bytes: [UInt8], contentEncoding: String?, limit: Int) throws -> [UInt8] {
        let encoding = contentEncoding?.lowercased().trimmingCharacters(in: .whitespaces) ?? "identity"
        switch encoding {
        case "", "identity": return bytes
        case "gzip", "x-gzip", "deflate": return try GzipInflater.inflate(bytes, limit: limit)
        default:
            throw PerfwatchError(.unsupportedMediaType, "Content-Encoding '\(encoding)' is not supported (use gzip or none)")
        }
    }
}

import HTTPTypes
import NIOCore

/// The fast path's heads as bytes: the request for the upstream and the answer for the client,
/// with the same header changes as the full path (`ForwardedHeaders`, `EdgeProxy.downstreamHeaders`).
enum HeadWriter {
    /// The upstream request from the client's head (`head`: its bytes, `request`: its scan): `Host` of
    /// the upstream first, the client's headers without hop-by-hop ones, then `X-Forwarded-For`
    /// (earlier values and the client), `-Proto`, `-Host` and the edge's `traceparent`.
    static func upstreamRequest(
        head: ByteBuffer, _ request: ScannedRequest, upstream: UpstreamTarget, clientAddress: String?, traceparent: String, into out: inout ByteBuffer
    ) {
        head.withUnsafeReadableBytes { bytes in
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[request.method]))
            out.writeInteger(UInt8(32))
            out.writeString(upstream.basePath)
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[request.target]))
            out.writeStaticString(" HTTP/1.1\r\nHost: ")
            out.writeString(upstream.authority)
            out.writeStaticString("\r\n")
            var forwardedFor: [Range<Int>] = []
            for field in request.fields {
                switch HeadScanner.lowercasedName(bytes, field.name) {
                case .xForwardedFor: forwardedFor.append(field.value)
                case .other, .authorization, .cookie, .contentLength: writeField(bytes, field, into: &out)
                case .host, .hopByHop, .replacedForwarded, .connection, .traceparent, .expect, .transferEncoding, .upgrade: break
                }
            }
            if !forwardedFor.isEmpty || clientAddress != nil {
                out.writeStaticString("X-Forwarded-For: ")
                for (position, value) in forwardedFor.enumerated() {
                    if position > 0 { out.writeStaticString(", ") }
                    out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[value]))
                }
                if let clientAddress {
                    if !forwardedFor.isEmpty { out.writeStaticString(", ") }
                    out.writeString(clientAddress)
                }
                out.writeStaticString("\r\n")
            }
            out.writeStaticString("X-Forwarded-Proto: http\r\nX-Forwarded-Host: ")
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[request.host]))
            out.writeStaticString("\r\ntraceparent: ")
            out.writeString(traceparent)
            out.writeStaticString("\r\n\r\n")
        }
    }

    /// The client's answer from the upstream's head: HTTP/1.1, its status and reason, its headers
    /// without hop-by-hop ones (and those its `Connection` names), `Server-Timing`, then
    /// `Connection: close` and `transfer-encoding: chunked` where they apply (as NIO's encoder adds it).
    static func downstreamResponse(
        head: ByteBuffer, _ response: ScannedResponse, serverTiming: String, close: Bool, chunked: Bool, into out: inout ByteBuffer
    ) {
        head.withUnsafeReadableBytes { bytes in
            out.writeStaticString("HTTP/1.1 ")
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[9..<12]))
            out.writeInteger(UInt8(32))
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[response.reason]))
            out.writeStaticString("\r\n")
            fields: for field in response.fields {
                switch HeadScanner.lowercasedName(bytes, field.name) {
                case .connection, .transferEncoding, .upgrade, .hopByHop: continue fields
                // A 204 has no body to measure: NIO's codec drops its length on the full path too.
                case .contentLength where response.status == 204: continue fields
                default: break
                }
                for token in response.connectionTokens where bytes[token].elementsEqualLowercased(bytes[field.name]) { continue fields }
                writeField(bytes, field, into: &out)
            }
            out.writeStaticString("Server-Timing: ")
            out.writeString(serverTiming)
            out.writeStaticString("\r\n")
            if close { out.writeStaticString("Connection: close\r\n") }
            if chunked { out.writeStaticString("transfer-encoding: chunked\r\n") }
            out.writeStaticString("\r\n")
        }
    }

    /// An answer the edge makes itself (`ProxyFailure`), as NIO's encoder would write it.
    static func response(_ response: HTTPResponse, body: ByteBuffer, into out: inout ByteBuffer) {
        out.writeString("HTTP/1.1 \(response.status.code) \(response.status.reasonPhrase)\r\n")
        for field in response.headerFields {
            out.writeString(field.name.rawName)
            out.writeStaticString(": ")
            out.writeString(field.value)
            out.writeStaticString("\r\n")
        }
        out.writeStaticString("\r\n")
        out.writeImmutableBuffer(body)
    }

    /// One body piece of a chunked answer.
    static func chunk(_ data: ByteBuffer, into out: inout ByteBuffer) {
        out.writeString(String(data.readableBytes, radix: 16))
        out.writeStaticString("\r\n")
        out.writeImmutableBuffer(data)
        out.writeStaticString("\r\n")
    }

    private static func writeField(_ bytes: UnsafeRawBufferPointer, _ field: ScannedField, into out: inout ByteBuffer) {
        out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[field.name]))
        out.writeStaticString(": ")
        out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[field.value]))
        out.writeStaticString("\r\n")
    }
}

extension Slice where Base == UnsafeRawBufferPointer {
    /// ASCII case-insensitive equality (header names).
    func elementsEqualLowercased(_ other: Slice<UnsafeRawBufferPointer>) -> Bool {
        count == other.count && zip(self, other).allSatisfy { ($0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0) == ($1 >= 65 && $1 <= 90 ? $1 | 0x20 : $1) }
    }
}

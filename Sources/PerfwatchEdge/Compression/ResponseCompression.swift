public import PerfwatchEdgePolicy
import PerfwatchGzip

/// On-the-fly compression of a buffered response under a policy's compression rule.
public enum ResponseCompression {
    /// zlib level for gzip on the fly: level 9 costs twice the time of 6 for under 1% less (docs/edge.md).
    static let gzipLevel: Int32 = 6

    /// Compresses `response` when its type is in `rule.types`, it is not already encoded, not a range, at
    /// least `rule.minBytes`, and the request accepts one of `rule.algorithms`. Every response of a
    /// compressible type and size gets `Vary: Accept-Encoding` (even when this client takes identity), so a
    /// cache downstream keeps the variants apart; a compressed one gets `Content-Encoding`, its new
    /// `Content-Length`, and a weak `ETag` (the bytes differ, the representation does not).
    public static func apply(to response: EdgeResponse, request: EdgeRequest, rule: CompressionRule) -> EdgeResponse {
        guard isCandidate(response, rule: rule) else { return response }
        var result = response
        result.setHeader("vary", mergedVary(response.header("vary"), adding: "Accept-Encoding"))
        guard request.method != "HEAD",
              let coding = AcceptEncoding.choose(request.header("accept-encoding"), offered: rule.algorithms),
              let encoded = encode(response.body, as: coding), encoded.count < response.body.count
        else { return result }
        result.body = encoded
        result.setHeader("content-encoding", coding)
        result.setHeader("content-length", String(encoded.count))
        if let etag = response.header("etag"), !etag.hasPrefix("W/") { result.setHeader("etag", "W/" + etag) }
        return result
    }

    /// The size of `body` compressed with brotli at the on-the-fly quality: what the edge reports as
    /// the saving compression would bring to a response it sends uncompressed.
    public static func brotliSize(of body: [UInt8]) -> Int {
        BrotliCodec.compress(body).count
    }

    static func encode(_ body: [UInt8], as coding: String) -> [UInt8]? {
        switch coding {
        case "br": BrotliCodec.compress(body)
        case "gzip": GzipDeflater.gzip(body, level: gzipLevel)
        default: nil
        }
    }

    /// Whether the response is of a kind this rule compresses, whatever the client accepts.
    static func isCandidate(_ response: EdgeResponse, rule: CompressionRule) -> Bool {
        guard ![204, 206, 304].contains(response.status), response.body.count >= max(rule.minBytes, 1),
              response.header("content-range") == nil,
              (response.header("content-encoding") ?? "identity").trimmedOWS.lowercased() == "identity",
              !CacheDirectives(cacheControl: response.header("cache-control")).noTransform,
              let type = response.header("content-type")
        else { return false }
        return rule.covers(contentType: type)
    }

    /// Adds `token` to a Vary value unless it (or `*`) is already there, case-insensitively.
    static func mergedVary(_ vary: String?, adding token: String) -> String {
        let present = vary?.headerListElements ?? []
        if present.contains(where: { $0 == "*" || $0.lowercased() == token.lowercased() }) { return present.joined(separator: ", ") }
        return (present + [token]).joined(separator: ", ")
    }
}

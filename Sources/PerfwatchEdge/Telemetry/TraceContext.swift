import PerfwatchModel

/// W3C trace context for one proxied request: continues an incoming `traceparent` (or starts a
/// trace) and names the edge's own span, which becomes the upstream's parent.
struct TraceContext: Sendable {
    let traceId: [UInt8]  // 16 bytes
    let spanId: [UInt8]  // 8 bytes
    let parentSpanId: [UInt8]?
    let sampledFlags: String

    init(incoming: String?, random: inout some RandomNumberGenerator) {
        spanId = Self.randomBytes(8, using: &random)
        if let incoming, let parsed = Self.parse(incoming) {
            traceId = parsed.traceId
            parentSpanId = parsed.spanId
            sampledFlags = parsed.flags
        } else {
            traceId = Self.randomBytes(16, using: &random)
            parentSpanId = nil
            sampledFlags = "01"
        }
    }

    /// `traceparent` for the upstream request: this edge's span is the parent.
    var outgoing: String { "00-\(Hex.encode(traceId))-\(Hex.encode(spanId))-\(sampledFlags)" }

    /// `version-traceid-spanid-flags`, lowercase hex, ids not all zero (W3C §3.2).
    static func parse(_ header: String) -> (traceId: [UInt8], spanId: [UInt8], flags: String)? {
        let parts = header.trimmingCharacters(in: .whitespaces).split(separator: "-")
        guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff", parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
            parts.allSatisfy({ $0 == $0.lowercased() }), let trace = Hex.decode(String(parts[1])), let span = Hex.decode(String(parts[2])),
            Hex.decode(String(parts[3])) != nil,
            trace.contains(where: { $0 != 0 }), span.contains(where: { $0 != 0 })
        else { return nil }
        return (trace, span, String(parts[3]))
    }

    /// Eight bytes per call of `random`: the pass-through path passes a per-connection `SplitMix64`
    /// (no system call per request), the buffered path the system generator.
    static func randomBytes(_ count: Int, using generator: inout some RandomNumberGenerator) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            withUnsafeBytes(of: generator.next()) { out += $0.prefix(count - out.count) }
        }
        if out.allSatisfy({ $0 == 0 }) { out[count - 1] = 1 }
        return out
    }
}

import Foundation

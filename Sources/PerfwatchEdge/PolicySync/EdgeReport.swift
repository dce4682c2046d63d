/// The body of `POST /api/v1/edge/report` (docs/edge.md): what this edge runs and how its
/// upstreams, cache and telemetry are doing.
struct EdgeReport: Encodable, Sendable {
    struct Refused: Encodable, Sendable {
        var version: Int64
        var reason: String
    }

    struct Upstream: Encodable, Sendable {
        var url: String
        var healthy: Bool
        var ejected: Bool
        var inFlight: Int
        var ewmaMs: Double
        var requests: Int
        var errors: Int

        enum CodingKeys: String, CodingKey {
            case url, healthy, ejected, inFlight = "in_flight", ewmaMs = "ewma_ms", requests, errors
        }
    }

    struct Cache: Encodable, Sendable {
        var entries: Int
        var bytes: Int
        var hits: Int
        var misses: Int
        var stale: Int
        var evictions: Int

        init(_ statistics: CacheStatistics) {
            (entries, bytes, hits, misses) = (statistics.entries, statistics.bytes, statistics.hits, statistics.misses)
            (stale, evictions) = (statistics.stale, statistics.evictions)
        }
    }

    struct Telemetry: Encodable, Sendable {
        var buffered: Int
        var dropped: Int
    }

    var edge: String
    var service: String
    var policyVersion: Int64
    var refused: Refused?
    var upstreams: [Upstream]
    var cache: Cache
    var bytesSaved: Int
    var telemetry: Telemetry
    var images: ImageStatistics

    enum CodingKeys: String, CodingKey {
        case edge, service, policyVersion = "policy_version", refused, upstreams, cache, bytesSaved = "bytes_saved", telemetry, images
    }

    // `refused` is written as null when absent (the server tells "nothing refused" from "unknown"):
    // CompactJSONEncoder writes a nil optional as null.

    static func upstreams(_ states: [UpstreamState], nowMs: Int64) -> [Upstream] {
        states.map {
            Upstream(
                url: $0.url, healthy: $0.healthy, ejected: $0.isEjected(nowMs: nowMs), inFlight: $0.inFlight,
                ewmaMs: ($0.ewmaMs * 100).rounded() / 100, requests: $0.requests, errors: $0.errors)
        }
    }
}

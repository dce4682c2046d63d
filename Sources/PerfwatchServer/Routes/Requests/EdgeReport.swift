/// `POST /api/v1/edge/report`: what an edge says about itself every 5 s (docs/edge.md). Written
/// back as it came in `GET /api/v1/edge/instances`, so it is also the response shape. Unknown
/// fields are accepted: an edge of a newer release may report more than this server reads.
struct EdgeReport: Codable, Sendable {
    let edge: String
    let service: String?
    let policyVersion: Int64
    /// The last policy version the edge could not apply, and why (the old one stays in force).
    let refused: Refusal?
    let upstreams: [Upstream]?
    let cache: Cache?
    let bytesSaved: Int64?
    let telemetry: Telemetry?
    /// The edge's image transforms (issue 17; absent from older edges).
    let images: Images?

    enum CodingKeys: String, CodingKey {
        case edge, service, policyVersion = "policy_version", refused, upstreams, cache, bytesSaved = "bytes_saved", telemetry, images
    }

    struct Refusal: Codable, Sendable {
        let version: Int64
        let reason: String
    }

    struct Upstream: Codable, Sendable {
        let url: String
        let healthy: Bool
        let ejected: Bool?
        let inFlight: Int64?
        let ewmaMs: Double?
        let requests: Int64?
        let errors: Int64?

        enum CodingKeys: String, CodingKey {
            case url, healthy, ejected, inFlight = "in_flight", ewmaMs = "ewma_ms", requests, errors
        }
    }

    struct Cache: Codable, Sendable {
        let entries: Int64?
        let bytes: Int64?
        let hits: Int64?
        let misses: Int64?
        let stale: Int64?
        let evictions: Int64?
    }

    struct Images: Codable, Sendable {
        let transcoded: Int64?
        let undecodable: Int64?
        let tooLarge: Int64?
        let busy: Int64?
        let notSmaller: Int64?
        let bytesIn: Int64?
        let bytesOut: Int64?

        enum CodingKeys: String, CodingKey {
            case transcoded, undecodable, tooLarge = "too_large", busy, notSmaller = "not_smaller", bytesIn = "bytes_in", bytesOut = "bytes_out"
        }
    }

    struct Telemetry: Codable, Sendable {
        let buffered: Int64?
        let dropped: Int64?
    }
}

import PerfwatchStorage

/// `GET /api/v1/edge/instances`: the current version and each edge's last report, newest first.
struct EdgeInstances: Encodable {
    let policyVersion: Int64
    let edges: [Instance]

    enum CodingKeys: String, CodingKey { case policyVersion = "policy_version", edges }

    /// The report as the edge sent it, plus when it came, its age and whether it counts as connected.
    struct Instance: Encodable {
        let edge: String
        let service: String?
        let policyVersion: Int64
        let refused: EdgeReport.Refusal?
        let upstreams: [EdgeReport.Upstream]
        let cache: EdgeReport.Cache?
        let bytesSaved: Int64?
        let telemetry: EdgeReport.Telemetry?
        let images: EdgeReport.Images?
        let reportedAt: Int64
        let ageMs: Int64
        let connected: Bool

        enum CodingKeys: String, CodingKey {
            case edge, service, policyVersion = "policy_version", refused, upstreams, cache, bytesSaved = "bytes_saved", telemetry, images
            case reportedAt = "reported_at", ageMs = "age_ms", connected
        }

        init(_ entry: EdgeReports.Entry, nowMs: Int64) {
            let report = entry.report
            edge = report.edge
            service = report.service
            policyVersion = report.policyVersion
            refused = report.refused
            upstreams = report.upstreams ?? []
            cache = report.cache
            bytesSaved = report.bytesSaved
            telemetry = report.telemetry
            images = report.images
            reportedAt = entry.receivedMs
            ageMs = max(0, nowMs - entry.receivedMs)
            connected = ageMs <= EdgePolicyService.connectedWindowMs
        }
    }

    init(policyVersion: Int64, reports: [EdgeReports.Entry], nowMs: Int64) {
        self.policyVersion = policyVersion
        edges = reports.map { Instance($0, nowMs: nowMs) }
    }
}

/// `GET /api/v1/edge/policies`: the published versions, newest first, each with its policy.
struct EdgePolicyHistory: Encodable {
    let policies: [Entry]

    struct Entry: Encodable {
        let version: Int64
        let publishedAt: Int64
        let reason: String
        let policy: EmbeddedJSON

        enum CodingKeys: String, CodingKey { case version, publishedAt = "published_at", reason, policy }
    }

    init(_ stored: [StoredEdgePolicy]) {
        policies = stored.map { Entry(version: $0.version, publishedAt: $0.publishedMs, reason: $0.reason, policy: EmbeddedJSON(text: $0.json)) }
    }
}

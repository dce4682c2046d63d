import Foundation
import Hummingbird
import NIOCore
import PerfwatchModel
import PerfwatchQuery
import PerfwatchStorage

/// Lab audits (issue 20): `POST /api/v1/audits` stores an `AuditReport` as sent (checked by
/// `AuditCheck`), `GET /api/v1/audits?url=` lists a URL's history newest first (at most `limit`,
/// 500) with the same page's field p75 from RUM, and `GET /api/v1/audits/{id}` answers the report's
/// JSON exactly as it was posted.
struct AuditRoutes {
    let components: ServerComponents
    static let defaultLimit = 50
    static let maxLimit = 500
    /// The RUM window the lab figures are shown beside.
    static let fieldWindowMs: Int64 = 7 * 86_400_000

    func register(on router: Router<AppRequestContext>) {
        router.get("/api/v1/audits") { request, _ in try await self.list(request) }
        router.post("/api/v1/audits") { request, _ in try await self.create(request) }
        router.rejectOtherMethods("/api/v1/audits", allowed: [.get, .post])
        router.get("/api/v1/audits/:id") { _, context in try await self.one(context.parameters.get("id") ?? "") }
        router.rejectOtherMethods("/api/v1/audits/:id", allowed: [.get])
    }

    func create(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.bodyBytes(limit: AuditCheck.maxBodyBytes)
        let report = try AuditCheck.report(from: body)
        let stored = try await components.lab.addAudit(
            url: report.url, device: report.device, score: Double(report.score), startedMs: Int64(report.startedMs),
            json: String(decoding: body, as: UTF8.self))
        return try .json(AuditSummary(stored, report: report), status: .created)
    }

    func one(_ idText: String) async throws -> Response {
        guard let id = Int64(idText), id > 0 else { throw PerfwatchError(.badRequest, "audit id '\(idText)' is not a positive integer") }
        guard let stored = try await components.lab.audit(id: id) else { throw PerfwatchError(.notFound, "no audit \(id)") }
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: stored.json)))
    }

    func list(_ request: Request) async throws -> Response {
        let url = request.uri.queryParameters["url"].map(String.init)
        var limit = Self.defaultLimit
        if let text = request.uri.queryParameters["limit"].map(String.init) {
            guard let value = Int(text), (1...Self.maxLimit).contains(value) else {
                throw PerfwatchError(.badRequest, "limit: must be an integer from 1 to \(Self.maxLimit), got '\(text)'")
            }
            limit = value
        }
        let stored = try await components.lab.audits(url: url, limit: limit)
        let audits = stored.compactMap { entry in (try? AuditReport.decode(Data(entry.json.utf8))).map { AuditSummary(entry, report: $0) } }
        let urls = try await components.lab.auditedURLs().map { AuditList.URLEntry(url: $0.url, audits: $0.count) }
        var field: AuditList.Field?
        if let url { field = try await Self.field(url: url, engine: components.tableEngine) }
        return try .json(AuditList(urls: urls, audits: audits, field: field), capacity: 512 + audits.count * 512)
    }

    /// The p75 of each RUM vital of the audited page (its route pattern, as RUM labels pages) over the last 7 days.
    static func field(url: String, engine: QueryEngine) async throws -> AuditList.Field {
        let path = URLComponents(string: url)?.path ?? "/"
        let page = RouteNormalizer.pattern(forPath: path.isEmpty ? "/" : path)
        let nowMs = TimeParsing.nowMs()
        var p75: [String: Double] = [:]
        for vital in ["lcp", "fcp", "cls", "inp", "ttfb"] {
            let query = MetricQuery(
                metric: "rum.\(vital)", stat: .percentile(0.75), from: nowMs - fieldWindowMs, to: nowMs,
                filters: [TagFilter(key: "page", value: page)])
            if let value = try await engine.execute(query, nowMs: nowMs).series.first?.points.last?.value, value.isFinite {
                p75[vital] = (value * 1000).rounded() / 1000
            }
        }
        return AuditList.Field(page: page, window: "7d", p75: p75)
    }
}

/// One audit in a history: what the charts draw (score and the six lab metrics) without the report's bulk.
struct AuditSummary: Encodable {
    let id: Int64
    let url: String
    let device: String
    let score: Int
    let startedAt: Int64
    let metrics: AuditMetrics
    let runs: Int
    let warnings: [String]

    enum CodingKeys: String, CodingKey { case id, url, device, score, startedAt = "started_at", metrics, runs, warnings }

    init(_ stored: StoredAudit, report: AuditReport) {
        id = stored.id
        url = stored.url
        device = stored.device
        score = report.score
        startedAt = stored.startedMs
        metrics = report.metrics
        runs = report.runs.count
        warnings = report.warnings
    }
}

/// `GET /api/v1/audits`.
struct AuditList: Encodable {
    struct URLEntry: Encodable {
        let url: String
        let audits: Int
    }

    /// The field figures (RUM) of the audited page.
    struct Field: Encodable {
        let page: String
        let window: String
        let p75: [String: Double]
    }

    let urls: [URLEntry]
    let audits: [AuditSummary]
    let field: Field?
}

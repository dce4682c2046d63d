import Hummingbird
import PerfwatchIngest
import PerfwatchModel
import PerfwatchStatistics
import PerfwatchStorage

/// Load-test runs pushed by `perfwatch load --server` (docs/formats/load-run.md): stored,
/// listed, read back, and compared request by request.
struct LoadRunRoutes {
    let components: ServerComponents

    func register(on router: Router<AppRequestContext>) {
        router.post("/api/v1/load-runs") { request, _ in try await self.save(request) }
        router.get("/api/v1/load-runs") { request, _ in try await self.list(request) }
        router.rejectOtherMethods("/api/v1/load-runs", allowed: [.get, .post])
        router.get("/api/v1/load-runs/compare") { request, _ in try await self.compare(request) }
        router.get("/api/v1/load-runs/:id") { request, context in try await self.run(context.parameters.get("id") ?? "") }
    }

    func save(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.bodyBytes(limit: components.configuration.maxBodyBytes)
        // The whole report is stored as pushed; the submission is the part the list shows.
        let report = try JSONValueDecoder(what: "load run", rejectUnknownFields: false).decode(LoadRunSubmission.self, from: body)
        guard report.endMs >= report.startMs else {
            throw PerfwatchError(.badRequest, "load run: endMs (\(report.endMs)) is before startMs (\(report.startMs))")
        }
        let summary = LoadRunSummary(
            id: 0, name: report.name, startMs: report.startMs, endMs: report.endMs, passed: report.passed ?? true,
            requests: Int64(saturating: report.total?.count ?? report.requests.reduce(0) { $0 + $1.count }) ?? 0,
            errors: Int64(saturating: report.total?.errors ?? 0) ?? 0, rate: report.total?.rate ?? 0, p95: report.total?.latency?.p95)
        let id = try await components.loadRuns.saveLoadRun(summary, report: String(decoding: body, as: UTF8.self))
        return try .json(LoadRunCreated(id: id, url: "/api/v1/load-runs/\(id)"), status: .created)
    }

    func list(_ request: Request) async throws -> Response {
        let limit = Int(request.uri.queryParameters["limit"].map(String.init) ?? "") ?? 100
        return try .json(LoadRunList(runs: try await components.loadRuns.loadRuns(limit: limit)), capacity: 4096)
    }

    func stored(_ text: String) async throws -> (id: Int64, report: String) {
        let id = try PathID.parse(text, "load run")
        guard let report = try await components.loadRuns.loadRunReport(id: id) else {
            throw PerfwatchError(.notFound, "no load run with id \(id)")
        }
        return (id, report)
    }

    func run(_ id: String) async throws -> Response {
        let (id, report) = try await stored(id)
        return try .json(LoadRunResponse(id: id, report: EmbeddedJSON(text: report)), capacity: report.utf8.count + 64)
    }

    /// Per request name present in both runs: p50/p95/p99 of each, the change, and whether it
    /// is statistically significant (`LoadRunComparison`).
    func compare(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        guard let a = parameters["a"].map(String.init), let b = parameters["b"].map(String.init) else {
            throw PerfwatchError(.badRequest, "compare needs a= (baseline run id) and b= (candidate run id)")
        }
        let (baselineID, baseline) = try await stored(a)
        let (candidateID, candidate) = try await stored(b)
        let requests = LoadRunComparison.compare(baseline: try Self.histograms(baseline), candidate: try Self.histograms(candidate))
        return try .json(LoadRunComparisonResponse(a: baselineID, b: candidateID, requests: requests), capacity: 4096)
    }

    static func histograms(_ report: String) throws -> LoadRunHistograms {
        try JSONValueDecoder(what: "load run", rejectUnknownFields: false).decode(LoadRunHistograms.self, from: Array(report.utf8))
    }
}

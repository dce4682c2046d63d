import Hummingbird
import PerfwatchAnalysis
import PerfwatchModel
import PerfwatchStorage

/// Performance issues found by the analyzers: list, read, change status, run a pass now.
struct IssueRoutes {
    let components: ServerComponents

    func register(on router: Router<AppRequestContext>) {
        router.get("/api/v1/issues") { request, _ in try await self.list(request) }
        router.rejectOtherMethods("/api/v1/issues", allowed: [.get])
        router.get("/api/v1/issues/:id") { _, context in try await self.one(context.parameters.get("id") ?? "") }
        router.patch("/api/v1/issues/:id") { request, context in try await self.update(request, id: context.parameters.get("id") ?? "") }
        router.post("/api/v1/analysis/run") { request, _ in try await self.runPass(request) }
    }

    func list(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        var status: PerformanceIssue.Status? = nil
        if let text = parameters["status"].map(String.init), !text.isEmpty {
            guard let parsed = PerformanceIssue.Status(rawValue: text) else {
                throw PerfwatchError(
                    .badRequest, "status '\(text)' is not one of \(PerformanceIssue.Status.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = parsed
        }
        let type = parameters["type"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let issues = try await components.issues.issues(status: status, type: type, limit: 500)
        return try .json(IssueList(issues: issues.map(IssueBody.init)), capacity: 4096)
    }

    func one(_ text: String) async throws -> Response {
        let id = try PathID.parse(text, "issue")
        guard let issue = try await components.issues.issue(id: id) else { throw PerfwatchError(.notFound, "no issue with id \(id)") }
        return try .json(IssueBody(issue))
    }

    func update(_ request: Request, id text: String) async throws -> Response {
        let id = try PathID.parse(text, "issue")
        let value = try await request.decodedBody(as: IssueStatusChange.self, what: "issue").status
        guard let status = PerformanceIssue.Status(rawValue: value) else {
            throw PerfwatchError(
                .badRequest, "status '\(value)' is not one of \(PerformanceIssue.Status.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let issue = try await components.issues.setIssueStatus(id: id, status, nowMs: TimeParsing.nowMs()) else {
            throw PerfwatchError(.notFound, "no issue with id \(id)")
        }
        return try .json(IssueBody(issue))
    }

    /// `window=24h` analyzes a longer stretch than the periodic pass (default 1 h).
    func runPass(_ request: Request) async throws -> Response {
        var window: Int64? = nil
        if let text = request.uri.queryParameters["window"].map(String.init), !text.isEmpty {
            guard let ms = try? DurationText.parse(text).wholeMilliseconds, ms > 0 else {
                throw PerfwatchError(.badRequest, "window '\(text)' is not a duration like 1h or 24h")
            }
            window = ms
        }
        let report = await components.analysis.runPass(nowMs: TimeParsing.nowMs(), windowMs: window)
        return try .json(AnalysisPassResponse(report))
    }
}

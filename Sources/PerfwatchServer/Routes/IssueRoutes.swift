import Foundation
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
        var json = JSONText(capacity: 4096)
        json.raw("{\"issues\":[")
        for (index, issue) in issues.enumerated() {
            if index > 0 { json.raw(",") }
            Self.write(issue, to: &json)
        }
        json.raw("]}")
        return .json(json.text)
    }

    func one(_ text: String) async throws -> Response {
        let id = try PathID.parse(text, "issue")
        guard let issue = try await components.issues.issue(id: id) else { throw PerfwatchError(.notFound, "no issue with id \(id)") }
        var json = JSONText()
        Self.write(issue, to: &json)
        return .json(json.text)
    }

    func update(_ request: Request, id text: String) async throws -> Response {
        let id = try PathID.parse(text, "issue")
        var request = request
        let body = try await request.bodyBytes(limit: 64 * 1024)
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], let value = object["status"] as? String else {
            throw PerfwatchError(.badRequest, "body must be {\"status\": \"acknowledged|resolved|ignored|open\"}")
        }
        guard let status = PerformanceIssue.Status(rawValue: value) else {
            throw PerfwatchError(
                .badRequest, "status '\(value)' is not one of \(PerformanceIssue.Status.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let issue = try await components.issues.setIssueStatus(id: id, status, nowMs: TimeParsing.nowMs()) else {
            throw PerfwatchError(.notFound, "no issue with id \(id)")
        }
        var json = JSONText()
        Self.write(issue, to: &json)
        return .json(json.text)
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
        var json = JSONText()
        json.raw("{\"seconds\":")
        json.number((report.seconds * 1000).rounded() / 1000)
        json.raw(",\"issues\":\(report.issues.count),\"failures\":")
        json.strings(report.failures)
        json.raw(",\"analyzers\":[")
        for (index, entry) in report.analyzerSeconds.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"name\":")
            json.string(entry.name)
            json.raw(",\"seconds\":")
            json.number((entry.seconds * 1000).rounded() / 1000)
            json.raw("}")
        }
        json.raw("]}")
        return .json(json.text)
    }

    static func write(_ issue: PerformanceIssue, to json: inout JSONText) {
        json.raw("{\"id\":\(issue.id),\"type\":")
        json.string(issue.type)
        json.raw(",\"title\":")
        json.string(issue.title)
        json.raw(",\"description\":")
        json.string(issue.description)
        json.raw(",\"recommendation\":")
        json.string(issue.recommendation)
        json.raw(",\"severity\":")
        json.string(issue.severity)
        json.raw(",\"status\":")
        json.string(issue.status.rawValue)
        json.raw(",\"service\":")
        json.string(issue.service)
        json.raw(",\"route\":")
        json.string(issue.route)
        json.raw(",\"impactMs\":")
        json.number((issue.impactMs * 10).rounded() / 10)
        json.raw(",\"evidence\":\(issue.evidence.isEmpty ? "{}" : issue.evidence),\"firstSeen\":\(issue.firstSeenMs),\"lastSeen\":\(issue.lastSeenMs),\"resolvedAt\":")
        if let resolved = issue.resolvedMs { json.number(resolved) } else { json.raw("null") }
        json.raw("}")
    }
}

import Foundation
import Hummingbird
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
        let report = try Self.report(body)
        func field<T>(_ name: String, in object: [String: Any], as type: T.Type, _ what: String) throws -> T {
            guard let value = object[name] as? T else { throw PerfwatchError(.badRequest, "load run: '\(name)' must be \(what)") }
            return value
        }
        let name = try field("name", in: report, as: String.self, "a string")
        let start = try field("startMs", in: report, as: NSNumber.self, "unix ms").int64Value
        let end = try field("endMs", in: report, as: NSNumber.self, "unix ms").int64Value
        guard end >= start else { throw PerfwatchError(.badRequest, "load run: endMs (\(end)) is before startMs (\(start))") }
        let requests = try field("requests", in: report, as: [[String: Any]].self, "a list of per-request results")
        for (index, entry) in requests.enumerated() {
            guard entry["name"] is String, entry["count"] is NSNumber, entry["latency"] is [String: Any] else {
                throw PerfwatchError(.badRequest, "load run: requests[\(index)] needs name, count and latency")
            }
        }
        let total = report["total"] as? [String: Any] ?? [:]
        let summary = LoadRunSummary(
            id: 0, name: name, startMs: start, endMs: end, passed: report["passed"] as? Bool ?? true,
            requests: (total["count"] as? NSNumber)?.int64Value ?? requests.reduce(0) { $0 + (($1["count"] as? NSNumber)?.int64Value ?? 0) },
            errors: (total["errors"] as? NSNumber)?.int64Value ?? 0, rate: (total["rate"] as? NSNumber)?.doubleValue ?? 0,
            p95: ((total["latency"] as? [String: Any])?["p95"] as? NSNumber)?.doubleValue)
        let id = try await components.loadRuns.saveLoadRun(summary, report: String(decoding: body, as: UTF8.self))
        return try .json(LoadRunCreated(id: id, url: "/api/v1/load-runs/\(id)"), status: .created)
    }

    static func report(_ body: [UInt8]) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)), let report = object as? [String: Any] else {
            throw PerfwatchError(.badRequest, "load run: body must be a JSON object (the report `perfwatch load --out` writes)")
        }
        return report
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
        do {
            return try JSONDecoder().decode(LoadRunHistograms.self, from: Data(report.utf8))
        } catch {
            throw PerfwatchError(.badRequest, "load run: body must be a JSON object (the report `perfwatch load --out` writes)")
        }
    }
}

import Hummingbird
import PerfwatchIngest
import PerfwatchModel

/// `POST /api/v1/metrics` (JSON) and `POST /api/v1/import/prometheus` (text exposition).
struct IngestRoutes {
    let components: ServerComponents

    func register(on router: Router<AppRequestContext>) {
        router.post("/api/v1/metrics") { request, _ in try await self.ingestJSON(request) }
        router.rejectOtherMethods("/api/v1/metrics", allowed: [.get, .post])
        router.post("/api/v1/import/prometheus") { request, _ in try await self.importPrometheus(request) }
        router.rejectOtherMethods("/api/v1/import/prometheus", allowed: [.post])
    }

    func ingestJSON(_ request: Request) async throws -> Response {
        var request = request
        // curl -d sends form-urlencoded by default; treat it as the JSON it almost always is.
        if let type = request.headers[.contentType]?.lowercased(), !type.contains("json"), !type.hasPrefix("text/plain"),
            !type.hasPrefix("application/x-www-form-urlencoded")
        {
            throw PerfwatchError(.unsupportedMediaType, "Content-Type '\(type)' is not supported; send application/json")
        }
        let (batch, receipt) = try await request.admittedBody(
            limit: components.configuration.maxBodyBytes, admission: components.admission
        ) { body, pass in
            let batch = try components.jsonParser.parse(body, nowMs: TimeParsing.nowMs())
            components.statistics.recordRejections(batch.rejections.map(\.reason))
            pass.prepared()
            return (batch, try await components.pipeline.submit(batch.points))
        }
        var rejections = batch.rejections
        for conflict in receipt.kindConflicts {
            let point = batch.points.point(at: conflict)
            rejections.append(
                ItemRejection(
                    index: batch.sourceIndexes[conflict], reason: "kind_conflict",
                    error: "metric \(point.series.metric) already exists with another kind; \(point.kind.rawValue) values cannot be added to it"))
        }
        rejections.sort { $0.index < $1.index }
        return try .json(MetricsIngestReceipt(accepted: receipt.stored, rejected: rejections), capacity: 64 + rejections.count * 120)
    }

    func importPrometheus(_ request: Request) async throws -> Response {
        var request = request
        let receipt = try await request.admittedBody(
            limit: components.configuration.maxBodyBytes, admission: components.admission
        ) { body, pass in
            let parsed: PrometheusTextParser.Result
            do {
                parsed = try components.prometheusParser.parse(body, nowMs: TimeParsing.nowMs())
            } catch let error as PerfwatchError {
                components.statistics.recordRejections(["prometheus_bad_line"])
                throw error
            }
            pass.prepared()
            return try await components.pipeline.submit(parsed.points)
        }
        return try .json(PrometheusImportReceipt(accepted: receipt.stored, rejected: receipt.kindConflicts.count))
    }
}

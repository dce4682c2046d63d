import Foundation
import HTTPTypes
import Hummingbird
import PerfwatchIngest
import PerfwatchModel
import PerfwatchStorage

/// The Prometheus ways data comes in besides the text import (issue 19): `POST /api/v1/write`
/// (remote write 1.0: snappy block, protobuf `WriteRequest`) and the scrape targets of
/// `scrape_configs:` (`GET /api/v1/targets`).
struct PrometheusIntakeRoutes {
    let components: ServerComponents

    func register(on router: Router<AppRequestContext>) {
        router.post("/api/v1/write") { request, _ in try await self.remoteWrite(request) }
        router.rejectOtherMethods("/api/v1/write", allowed: [.post])
        router.get("/api/v1/targets") { _, _ in try Response.json(TargetsResponse(await self.components.scrapes.snapshot())) }
    }

    static let versionHeader = HTTPField.Name("X-Prometheus-Remote-Write-Version")!

    /// 204 once the samples are durable, as Prometheus expects; 4xx (which Prometheus does not
    /// retry) naming the problem when the request is bad, with nothing of it stored.
    func remoteWrite(_ request: Request) async throws -> Response {
        let encoding = request.headers[.contentEncoding]?.lowercased().trimmingCharacters(in: .whitespaces) ?? ""
        guard encoding == "snappy" else {
            throw PerfwatchError(.unsupportedMediaType, "remote write needs Content-Encoding: snappy (got '\(encoding)')")
        }
        if let type = request.headers[.contentType]?.lowercased(), !type.hasPrefix("application/x-protobuf") {
            throw PerfwatchError(.unsupportedMediaType, "remote write needs Content-Type: application/x-protobuf (got '\(type)')")
        }
        if let version = request.headers[Self.versionHeader], !version.hasPrefix("0.") {
            throw PerfwatchError(.unsupportedMediaType, "remote write version \(version) is not supported; send 0.1.0 (remote write 1.0)")
        }
        let limit = components.configuration.maxBodyBytes
        let decoder = RemoteWriteDecoder(limits: components.prometheusParser.limits, maxDecompressedBytes: limit)
        let store = components.store
        var request = request
        let receipt = try await request.admittedBody(limit: limit, admission: components.admission, decodingContentEncoding: false) { body, pass in
            let decoded: RemoteWriteDecoder.Result
            do {
                decoded = try decoder.decode(snappyBody: body, nowMs: TimeParsing.nowMs()) { store.series(metric: $0).first?.kind }
            } catch let error as PerfwatchError {
                components.statistics.recordRejections(["remote_write_bad_request"])
                throw error
            }
            pass.prepared()
            return try await components.pipeline.submit(decoded.points)
        }
        // Samples of a metric stored under another kind (a distribution) are refused one by one.
        components.statistics.recordRejections(Array(repeating: "kind_conflict", count: receipt.kindConflicts.count))
        return Response(status: .noContent)
    }
}

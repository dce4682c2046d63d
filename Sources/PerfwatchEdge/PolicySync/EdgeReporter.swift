import Foundation
import Logging
import PerfwatchHTTPClient
import PerfwatchModel
import ServiceLifecycle

/// Posts an `EdgeReport` to `{server}/api/v1/edge/report` every `interval` (5 s): the server's
/// Edge page and the apply loop (which waits for every edge to run a version) read them.
struct EdgeReporter: Service {
    let server: String
    let apiKey: String?
    let name: String
    let service: String
    let pool: UpstreamPool
    let exporter: SpanExporter?
    let policy: PolicyState
    let cache: ResponseCache?
    let images: ImageTransform?
    let bytesSaved: @Sendable () -> Int
    var interval: Duration = .seconds(5)
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                await send()
            }
        }
    }

    func report() -> EdgeReport {
        let counts = exporter?.counts
        return EdgeReport(
            edge: name, service: service, policyVersion: policy.version, refused: policy.refused,
            upstreams: EdgeReport.upstreams(pool.snapshot, nowMs: TimeParsing.nowMs()),
            cache: EdgeReport.Cache(cache?.statistics ?? CacheStatistics()), bytesSaved: bytesSaved(),
            telemetry: .init(buffered: counts?.buffered ?? 0, dropped: counts?.dropped ?? 0), images: images?.statistics ?? ImageStatistics())
    }

    func send() async {
        do {
            let body = Array(try CompactJSONEncoder().encode(report()).utf8)
            let answer = try await OutboundHTTP.send(
                .perfwatchAPI(
                    "POST", server + "/api/v1/edge/report", body: body, contentType: "application/json", apiKey: apiKey,
                    timeout: .seconds(5)))
            if !answer.isSuccess {
                logger.warning("edge report refused", metadata: ["status": "\(answer.status)", "body": "\(answer.text.prefix(200))"])
            }
        } catch {
            logger.debug("edge report not sent", metadata: ["error": "\(error)"])
        }
    }
}

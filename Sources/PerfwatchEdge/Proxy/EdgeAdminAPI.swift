import Foundation
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import PerfwatchModel
import ServiceLifecycle

/// The optional admin listener (`admin_listen`): `GET /status` (upstreams, policy version,
/// telemetry counts as JSON) and `POST /purge?prefix=/x` (the response cache's purge).
struct EdgeAdminAPI: Sendable {
    let pool: UpstreamPool
    let policy: PolicyState
    let exporter: SpanExporter?
    let cache: ResponseCache
    let images: ImageTransform

    struct Status: Encodable {
        var policyVersion: Int64
        var refused: EdgeReport.Refused?
        var upstreams: [EdgeReport.Upstream]
        var telemetry: SpanExporter.Counts?
        var images: ImageStatistics

        enum CodingKeys: String, CodingKey { case policyVersion = "policy_version", refused, upstreams, telemetry, images }
    }

    func makeService(host: String, port: Int, logger: Logger) throws -> any Service {
        try HTTPServerBuilder.http1().buildServer(
            configuration: .init(address: .hostname(host, port: port)), eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: logger,
            responder: { request, writer, _ in
                let (status, body) = answer(method: request.method, path: request.head.path ?? "/")
                var fields = HTTPFields()
                fields[.contentType] = "application/json"
                fields[.contentLength] = String(body.count)
                try await writer.write(response: HTTPResponse(status: status, headerFields: fields), body: .init(byteBuffer: ByteBuffer(bytes: body)))
            })
    }

    func answer(method: HTTPRequest.Method, path: String) -> (HTTPResponse.Status, [UInt8]) {
        let route = path.prefix { $0 != "?" }
        switch (method, route) {
        case (.get, "/status"):
            let body = Status(
                policyVersion: policy.version, refused: policy.refused,
                upstreams: EdgeReport.upstreams(pool.snapshot, nowMs: TimeParsing.nowMs()),
                telemetry: exporter?.counts, images: images.statistics)
            return (.ok, Array(((try? CompactJSONEncoder().encode(body)) ?? "{}").utf8))
        case (.post, "/purge"):
            let query = URLComponents(string: path)?.queryItems ?? []
            guard let prefix = query.first(where: { $0.name == "prefix" })?.value, prefix.hasPrefix("/") else {
                return (.badRequest, Array("{\"error\":{\"code\":\"invalid_prefix\",\"message\":\"POST /purge needs ?prefix= starting with / (/ purges everything)\"}}".utf8))
            }
            return (.ok, Array("{\"purged\":\(cache.purge(prefix: prefix))}".utf8))
        default:
            return (.notFound, Array("{\"error\":{\"code\":\"not_found\",\"message\":\"the edge admin API has GET /status and POST /purge?prefix=\"}}".utf8))
        }
    }
}

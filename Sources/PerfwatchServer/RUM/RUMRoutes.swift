import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PerfwatchGzip
import PerfwatchIngest
import PerfwatchModel
import PerfwatchStorage

/// Real-user monitoring over HTTP: the snippet (`/rum.js`), the beacon endpoint, and the
/// vitals, journeys and errors reads (docs/api-contract.md).
struct RUMRoutes {
    let components: ServerComponents
    static let snippetGzip = GzipDeflater.gzip(Array(EmbeddedDashboard.snippet.utf8))

    func register(on router: Router<AppRequestContext>) {
        router.get("/rum.js") { request, _ in Self.snippet(request) }
        router.rejectOtherMethods("/rum.js", allowed: [.get])
        router.post("/api/v1/rum") { request, context in try await self.ingest(request, context: context) }
        router.on("/api/v1/rum", method: .options) { request, _ in self.preflight(request) }
        router.rejectOtherMethods("/api/v1/rum", allowed: [.post])
        router.get("/api/v1/rum/setup") { request, _ in try self.setup(request) }
        router.get("/api/v1/vitals") { request, _ in try await self.vitals(request) }
        router.get("/api/v1/journeys") { request, _ in try await self.journeys(request) }
        router.get("/api/v1/errors") { request, _ in try await self.errors(request) }
    }

    // MARK: - Snippet and setup

    static func snippet(_ request: Request) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=3600",
            .accessControlAllowOrigin: "*", HTTPField.Name("Timing-Allow-Origin")!: "*", .vary: "Accept-Encoding",
        ]
        if request.headers[.acceptEncoding]?.contains("gzip") == true {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: snippetGzip)))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: EmbeddedDashboard.snippet)))
    }

    func setup(_ request: Request) throws -> Response {
        let key = components.rumKeys.primary
        let host = request.head.authority ?? "\(components.configuration.host):\(components.configuration.port)"
        let snippet = "<script src=\"http://\(host)/rum.js\" data-key=\"\(key.key)\" async></script>"
        return try .json(RUMSetup(key: key.key, snippet: snippet, origins: key.origins))
    }

    // MARK: - Beacons

    func preflight(_ request: Request) -> Response {
        let origin = request.headers[.origin]
        guard components.rumKeys.anyAllows(origin: origin), let origin else { return Response(status: .noContent) }
        var headers = BeaconIntake.cors(origin: origin)
        headers[.accessControlAllowMethods] = "POST, OPTIONS"
        headers[.accessControlAllowHeaders] = "Content-Type"
        headers[.accessControlMaxAge] = "86400"
        return Response(status: .noContent, headers: headers)
    }

    /// The router's path for beacons; most arrive through `BeaconFastPath` instead, which
    /// hands over any it cannot answer in order (a beacon pipelined behind another request).
    func ingest(_ request: Request, context: AppRequestContext) async throws -> Response {
        let intake = components.beaconIntake
        try intake.admit(client: context.remoteAddress?.ipAddress ?? "unknown", contentType: request.headers[.contentType])
        var request = request
        let body = try await request.bodyBytes(limit: BeaconIntake.maxBodyBytes)
        let accepted = try intake.accept(body: body, origin: request.headers[.origin], userAgent: request.headers[.userAgent])
        _ = try await components.pipeline.submit(accepted.payload)
        var response = try Response.json(accepted.answer, status: .accepted)
        if let origin = accepted.origin { response.headers.append(contentsOf: BeaconIntake.cors(origin: origin)) }
        return response
    }

    // MARK: - Reads

    func errors(_ request: Request) async throws -> Response {
        let (from, to) = try request.timeRange(nowMs: TimeParsing.nowMs())
        let limit = Int(request.uri.queryParameters["limit"].map(String.init) ?? "") ?? 200
        let groups = try await components.rumStore.rumErrorGroups(from: from, to: to, limit: limit)
        return try .json(RUMErrorsResponse(from: from, to: to, errors: groups), capacity: 1024)
    }
}

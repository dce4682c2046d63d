import Hummingbird
import NIOCore
import PerfwatchModel

/// The dashboard, served from assets compiled into the binary (see scripts/embed_dashboard.py).
struct DashboardRoutes {
    func register(on router: Router<AppRequestContext>) {
        router.get("/") { _, _ in try Self.asset("index.html") }
        router.rejectOtherMethods("/", allowed: [.get])
        router.get("/assets/:file") { _, context in
            try Self.asset(context.parameters.get("file") ?? "")
        }
    }

    static func asset(_ name: String) throws -> Response {
        guard let asset = EmbeddedDashboard.assets[name] else {
            throw PerfwatchError(.notFound, "no dashboard asset named '\(name)'")
        }
        return Response(
            status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: asset.body)))
    }
}

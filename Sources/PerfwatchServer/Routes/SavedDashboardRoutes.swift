import Foundation
import Hummingbird
import PerfwatchConfig
import PerfwatchIngest
import PerfwatchModel
import PerfwatchStorage

/// Saved dashboards (issue 15): boards of panels users build from Explore. `POST` makes one (an
/// export posted back is an import), `PUT` replaces it, `DELETE` removes it; `GET` of one is also its
/// export (the document plus id and times, which an import ignores).
struct SavedDashboardRoutes {
    let components: ServerComponents
    static let bodyLimit = 256 * 1024

    func register(on router: Router<AppRequestContext>) {
        router.get("/api/v1/dashboards") { _, _ in try await self.list() }
        router.post("/api/v1/dashboards") { request, _ in try await self.create(request) }
        router.rejectOtherMethods("/api/v1/dashboards", allowed: [.get, .post])
        router.get("/api/v1/dashboards/:id") { _, context in try await self.one(context.parameters.get("id") ?? "") }
        router.put("/api/v1/dashboards/:id") { request, context in try await self.replace(context.parameters.get("id") ?? "", request) }
        router.delete("/api/v1/dashboards/:id") { _, context in try await self.remove(context.parameters.get("id") ?? "") }
        router.rejectOtherMethods("/api/v1/dashboards/:id", allowed: [.get, .put, .delete])
    }

    func list() async throws -> Response {
        let boards = try await components.dashboards.dashboards()
        return try .json(SavedDashboardList(dashboards: boards.map(SavedDashboardList.Entry.init)), capacity: 256 + boards.count * 128)
    }

    func create(_ request: Request) async throws -> Response {
        let document = try await Self.document(request)
        let stored = try await components.dashboards.addDashboard(name: document.name, json: document.jsonText, nowMs: TimeParsing.nowMs())
        return try .json(SavedDashboardBody.json(stored), status: .created)
    }

    func one(_ idText: String) async throws -> Response {
        let id = try Self.id(idText)
        guard let stored = try await components.dashboards.dashboard(id: id) else { throw Self.notFound(id) }
        return try .json(SavedDashboardBody.json(stored))
    }

    func replace(_ idText: String, _ request: Request) async throws -> Response {
        let id = try Self.id(idText)
        let document = try await Self.document(request)
        guard let stored = try await components.dashboards.updateDashboard(id: id, name: document.name, json: document.jsonText, nowMs: TimeParsing.nowMs())
        else { throw Self.notFound(id) }
        return try .json(SavedDashboardBody.json(stored))
    }

    func remove(_ idText: String) async throws -> Response {
        let id = try Self.id(idText)
        guard try await components.dashboards.deleteDashboard(id: id) else { throw Self.notFound(id) }
        return Response(status: .noContent)
    }

    static func document(_ request: Request) async throws -> DashboardDocument {
        var request = request
        let body = try await request.bodyBytes(limit: bodyLimit)
        do throws(ConfigError) {
            return try DashboardDocument.parse(json: body)
        } catch {
            throw PerfwatchError(.badRequest, error.description)
        }
    }

    static func id(_ text: String) throws -> Int64 {
        guard let id = Int64(text), id > 0 else { throw PerfwatchError(.badRequest, "dashboard id '\(text)' is not a positive integer") }
        return id
    }

    static func notFound(_ id: Int64) -> PerfwatchError { PerfwatchError(.notFound, "no dashboard \(id)") }
}

/// `GET /api/v1/dashboards`.
struct SavedDashboardList: Encodable {
    struct Entry: Encodable {
        let id: Int64
        let name: String
        let panels: Int
        let updatedAt: Int64

        enum CodingKeys: String, CodingKey { case id, name, panels, updatedAt = "updated_at" }

        init(_ stored: StoredDashboard) {
            id = stored.id
            name = stored.name
            panels = (try? DashboardDocument.parse(json: Array(stored.json.utf8)))?.panels.count ?? 0
            updatedAt = stored.updatedMs
        }
    }

    let dashboards: [Entry]
}

/// One dashboard: its document with its id and times (what the board page reads and an export saves).
enum SavedDashboardBody {
    static func json(_ stored: StoredDashboard) -> EmbeddedJSON {
        let document = (try? JSONReader.parse(Array(stored.json.utf8)))?.objectMembers ?? []
        let number = { (value: Int64) in JSONValue.number(Double(value), integer: value) }
        return EmbeddedJSON(
            .object([("id", number(stored.id))] + document + [("created_at", number(stored.createdMs)), ("updated_at", number(stored.updatedMs))]))
    }
}

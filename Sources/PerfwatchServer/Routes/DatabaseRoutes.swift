import Hummingbird
import PerfwatchModel

/// The database advisor's API (issue 21): the configured databases with their status, and each
/// one's last report (top queries, plans, index suggestions, hygiene, health). Index suggestions
/// are applied as `db_index` optimizations through `/api/v1/optimizations/{id}/apply`.
struct DatabaseRoutes {
    let components: ServerComponents

    func register(on router: Router<AppRequestContext>) {
        router.get("/api/v1/db/databases") { _, _ in try await self.list() }
        router.get("/api/v1/db/advisor") { request, _ in try await self.advisor(request) }
    }

    func list() async throws -> Response {
        let service = components.databaseAdvisor
        var entries: [DatabaseList.Entry] = []
        for database in service.databases {
            let configuration = database.configuration
            let state = await service.state(of: configuration.name)
            entries.append(
                DatabaseList.Entry(
                    name: configuration.name, url: DatabaseConfiguration.redacted(configuration.url), status: state?.status ?? "pending",
                    lastPassAt: state?.lastPassMs, nextPassAt: state?.nextPassMs, error: state?.error, canApply: database.writer != nil,
                    allowAnalyze: configuration.allowAnalyze, intervalMs: configuration.intervalMs))
        }
        return try .json(DatabaseList(databases: entries), capacity: 256 + entries.count * 300)
    }

    func advisor(_ request: Request) async throws -> Response {
        let service = components.databaseAdvisor
        let parameters = request.uri.queryParameters
        let known = service.databases.map(\.configuration.name)
        let configured = known.isEmpty ? "no databases are configured (the databases: section)" : "configured: \(known.joined(separator: ", "))"
        guard let name = parameters["database"].map(String.init), !name.isEmpty else {
            throw PerfwatchError(.badRequest, "parameter 'database' is required (\(configured))")
        }
        guard let database = service.database(named: name) else {
            throw PerfwatchError(.notFound, "no database named '\(name.prefix(64))' (\(configured))")
        }
        if let refresh = parameters["refresh"] {
            switch refresh {
            case "1", "true": _ = await service.pass(name, nowMs: TimeParsing.nowMs())
            case "0", "false": break
            default: throw PerfwatchError(.badRequest, "parameter 'refresh': '\(refresh.prefix(64))' is not 1 or 0")
            }
        }
        let state = await service.state(of: name)
        let body = DatabaseAdvisorResponse(
            database: name, status: state?.status ?? "pending", lastPassAt: state?.lastPassMs, nextPassAt: state?.nextPassMs, error: state?.error,
            canApply: database.writer != nil, report: state?.report)
        return try .json(body, capacity: 64 * 1024)
    }
}

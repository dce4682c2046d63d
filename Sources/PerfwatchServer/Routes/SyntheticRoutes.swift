import Foundation
import Hummingbird
import PerfwatchConfig
import PerfwatchModel

/// `/api/v1/synthetic/checks` (list, create, replace, delete; checks from the server's file are
/// read-only here) and `/api/v1/synthetic/uptime` (uptime per check over 24 h, 7 d, 30 d, with the
/// latest run and the last failure).
struct SyntheticRoutes {
    let components: ServerComponents
    static let bodyLimit = 64 * 1024

    func register(on router: Router<AppRequestContext>) {
        router.get("/api/v1/synthetic/checks") { _, _ in try await self.list() }
        router.post("/api/v1/synthetic/checks") { request, _ in try await self.create(request) }
        router.rejectOtherMethods("/api/v1/synthetic/checks", allowed: [.get, .post])
        router.get("/api/v1/synthetic/checks/:name") { _, context in try await self.one(context.parameters.get("name") ?? "") }
        router.put("/api/v1/synthetic/checks/:name") { request, context in try await self.replace(context.parameters.get("name") ?? "", request) }
        router.delete("/api/v1/synthetic/checks/:name") { _, context in try await self.remove(context.parameters.get("name") ?? "") }
        router.rejectOtherMethods("/api/v1/synthetic/checks/:name", allowed: [.get, .put, .delete])
        router.get("/api/v1/synthetic/uptime") { _, _ in try await self.uptime() }
        router.rejectOtherMethods("/api/v1/synthetic/uptime", allowed: [.get])
    }

    func list() async throws -> Response {
        var entries: [SyntheticCheckEntry] = []
        for check in await components.synthetic.checks() {
            entries.append(SyntheticCheckEntry(check: check, status: await components.synthetic.status(of: check.name)))
        }
        return try .json(SyntheticCheckList(checks: entries), capacity: 256 + entries.count * 512)
    }

    func one(_ name: String) async throws -> Response {
        guard let check = await components.synthetic.checks().first(where: { $0.name == name }) else {
            throw PerfwatchError(.notFound, "no synthetic check named '\(name)'")
        }
        return try .json(SyntheticCheckEntry(check: check, status: await components.synthetic.status(of: name)))
    }

    func create(_ request: Request) async throws -> Response {
        let check = try await checked(request)
        let saved = try await refusing { try await components.synthetic.add(check) }
        return try .json(SyntheticCheckEntry(check: saved, status: .init()), status: .created)
    }

    func replace(_ name: String, _ request: Request) async throws -> Response {
        let check = try await checked(request)
        let saved = try await refusing { try await components.synthetic.replace(name: name, with: check) }
        return try .json(SyntheticCheckEntry(check: saved, status: await components.synthetic.status(of: name)))
    }

    func remove(_ name: String) async throws -> Response {
        try await refusing { try await components.synthetic.remove(name: name) }
        return Response(status: .noContent)
    }

    func uptime() async throws -> Response {
        let nowMs = TimeParsing.nowMs()
        let percentages = try await SyntheticUptime.percentages(engine: components.tableEngine, nowMs: nowMs)
        var entries: [SyntheticUptimeEntry] = []
        for check in await components.synthetic.checks() {
            entries.append(
                SyntheticUptimeEntry(check: check, status: await components.synthetic.status(of: check.name), uptime: percentages[check.name] ?? [:]))
        }
        return try .json(SyntheticUptimeList(checks: entries, windows: SyntheticUptime.windows.map(\.name)), capacity: 256 + entries.count * 384)
    }

    /// The body as a check; refusals name the field. A check made through the API may only point
    /// where `outbound.allow` lets API destinations go (the rule of the alerting webhooks).
    private func checked(_ request: Request) async throws -> SyntheticCheck {
        var request = request
        let body = try await request.bodyBytes(limit: Self.bodyLimit)
        let check: SyntheticCheck
        do throws(ConfigError) {
            check = try SyntheticCheck.parse(try ConfigNode.parseJSON(Data(body), rootPath: ""), origin: .api)
        } catch {
            throw PerfwatchError(.badRequest, error.description)
        }
        do {
            try components.configuration.outbound.check(url: check.url)
        } catch let error as PerfwatchError {
            throw PerfwatchError(error.code, "url: \(error.message)")
        }
        return check
    }

    private func refusing<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let refusal as SyntheticService.Refusal {
            switch refusal.kind {
            case .invalid: throw PerfwatchError(.badRequest, refusal.message)
            case .notFound: throw PerfwatchError(.notFound, refusal.message)
            case .conflict: throw PerfwatchError(.conflict, refusal.message)
            }
        }
    }
}

/// One check as the API lists it: its definition and its latest run.
struct SyntheticCheckEntry: Encodable {
    let check: SyntheticCheck
    let status: SyntheticService.Status

    enum CodingKeys: String, CodingKey {
        case lastRunAt = "last_run_at", up, durationMs = "duration_ms", lastFailureAt = "last_failure_at", lastFailure = "last_failure"
    }

    func encode(to encoder: any Encoder) throws {
        try check.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status.lastRunMs, forKey: .lastRunAt)
        try container.encode(status.up, forKey: .up)
        try container.encode(status.durationMs.map { ($0 * 100).rounded() / 100 }, forKey: .durationMs)
        try container.encode(status.lastFailureMs, forKey: .lastFailureAt)
        try container.encode(status.lastFailure, forKey: .lastFailure)
    }
}

/// `GET /api/v1/synthetic/checks`.
struct SyntheticCheckList: Encodable {
    let checks: [SyntheticCheckEntry]
}

/// One check's uptime (% of runs up per window) with its latest run.
struct SyntheticUptimeEntry: Encodable {
    let name: String
    let type: String
    let url: String
    let interval: String
    let up: Bool?
    let lastRunAt: Int64?
    let lastFailureAt: Int64?
    let lastFailure: String?
    let uptime: [String: Double]

    enum CodingKeys: String, CodingKey {
        case name, type, url, interval, up, lastRunAt = "last_run_at", lastFailureAt = "last_failure_at", lastFailure = "last_failure", uptime
    }

    init(check: SyntheticCheck, status: SyntheticService.Status, uptime: [String: Double]) {
        name = check.name
        type = check.type.rawValue
        url = check.url
        interval = DurationText.format(milliseconds: check.intervalMs)
        up = status.up
        lastRunAt = status.lastRunMs
        lastFailureAt = status.lastFailureMs
        lastFailure = status.lastFailure
        self.uptime = uptime
    }
}

/// `GET /api/v1/synthetic/uptime`.
struct SyntheticUptimeList: Encodable {
    let checks: [SyntheticUptimeEntry]
    let windows: [String]
}

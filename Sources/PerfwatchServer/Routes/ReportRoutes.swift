import Foundation
import Hummingbird
import NIOCore
import PerfwatchConfig
import PerfwatchModel

/// Scheduled reports (issue 20): `GET/POST /api/v1/reports/schedules` (and `DELETE …/{name}` for API
/// ones), `GET /api/v1/reports/preview?format=json|csv|pdf&every=day|week` (a report rendered now) and
/// `POST /api/v1/reports/schedules/{name}/send` (one schedule's report built and mailed now).
struct ReportRoutes {
    let components: ServerComponents

    func register(on router: Router<AppRequestContext>) {
        router.get("/api/v1/reports/schedules") { _, _ in try await self.list() }
        router.post("/api/v1/reports/schedules") { request, _ in try await self.create(request) }
        router.rejectOtherMethods("/api/v1/reports/schedules", allowed: [.get, .post])
        router.delete("/api/v1/reports/schedules/:name") { _, context in try await self.remove(context.parameters.get("name") ?? "") }
        router.rejectOtherMethods("/api/v1/reports/schedules/:name", allowed: [.delete])
        router.post("/api/v1/reports/schedules/:name/send") { _, context in try await self.sendNow(context.parameters.get("name") ?? "") }
        router.rejectOtherMethods("/api/v1/reports/schedules/:name/send", allowed: [.post])
        router.get("/api/v1/reports/preview") { request, _ in try await self.preview(request) }
        router.rejectOtherMethods("/api/v1/reports/preview", allowed: [.get])
    }

    func list() async throws -> Response {
        var entries: [ReportScheduleEntry] = []
        for schedule in await components.reports.schedules() {
            entries.append(
                ReportScheduleEntry(
                    schedule: schedule, origin: await components.reports.isFromFile(schedule.name) ? "file" : "api",
                    status: await components.reports.status(of: schedule.name)))
        }
        return try .json(ReportScheduleList(schedules: entries), capacity: 256 + entries.count * 384)
    }

    func create(_ request: Request) async throws -> Response {
        var request = request
        let body = try await request.bodyBytes(limit: 64 * 1024)
        let schedule: ReportSchedule
        do throws(ConfigError) {
            schedule = try ReportSchedule.parse(try ConfigNode.parseJSON(Data(body), rootPath: ""))
        } catch {
            throw PerfwatchError(.badRequest, error.description)
        }
        do {
            try await components.reports.add(schedule)
        } catch let refusal as ReportService.Refusal {
            throw PerfwatchError(.badRequest, refusal.message)
        }
        return try .json(ReportScheduleEntry(schedule: schedule, origin: "api", status: await components.reports.status(of: schedule.name)), status: .created)
    }

    func remove(_ name: String) async throws -> Response {
        do {
            try await components.reports.remove(name: name)
        } catch let refusal as ReportService.Refusal {
            throw PerfwatchError(refusal.notFound ? .notFound : .conflict, refusal.message)
        }
        return Response(status: .noContent)
    }

    func sendNow(_ name: String) async throws -> Response {
        guard let schedule = await components.reports.schedules().first(where: { $0.name == name }) else {
            throw PerfwatchError(.notFound, "no report schedule named '\(name)'")
        }
        let rendered: RenderedReport
        do {
            rendered = try await components.reports.send(schedule)
        } catch let error as PerfwatchError {
            throw error
        } catch {
            throw PerfwatchError(.unavailable, "report '\(name)' not sent: \(error)")
        }
        return try .json(ReportSent(report: name, recipients: schedule.recipients, format: schedule.format.rawValue, file: rendered.fileName, bytes: rendered.bytes.count))
    }

    func preview(_ request: Request) async throws -> Response {
        let formatText = request.uri.queryParameters["format"].map(String.init) ?? "json"
        guard let format = ReportSchedule.Format(rawValue: formatText) else {
            throw PerfwatchError(.badRequest, "format: must be json, csv or pdf, got '\(formatText)'")
        }
        let everyText = request.uri.queryParameters["every"].map(String.init) ?? "week"
        guard let every = ReportSchedule.Every(rawValue: everyText) else {
            throw PerfwatchError(.badRequest, "every: must be day or week, got '\(everyText)'")
        }
        let rendered = try await components.reports.preview(every: every, format: format)
        var buffer = ByteBuffer()
        buffer.writeBytes(rendered.bytes)
        return Response(
            status: .ok, headers: [.contentType: rendered.contentType, .contentDisposition: "inline; filename=\"\(rendered.fileName)\""],
            body: ResponseBody(byteBuffer: buffer))
    }
}

/// One schedule as the API lists it.
struct ReportScheduleEntry: Encodable {
    let schedule: ReportSchedule
    let origin: String
    let status: ReportService.Status

    enum CodingKeys: String, CodingKey { case origin, nextFireAt = "next_fire_at", lastSentAt = "last_sent_at", lastError = "last_error" }

    func encode(to encoder: any Encoder) throws {
        try schedule.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(origin, forKey: .origin)
        try container.encode(status.nextFireMs, forKey: .nextFireAt)
        try container.encode(status.lastSentMs, forKey: .lastSentAt)
        try container.encode(status.lastError, forKey: .lastError)
    }
}

struct ReportScheduleList: Encodable {
    let schedules: [ReportScheduleEntry]
}

/// `POST /api/v1/reports/schedules/{name}/send`.
struct ReportSent: Encodable {
    let report: String
    let recipients: [String]
    let format: String
    let file: String
    let bytes: Int
}

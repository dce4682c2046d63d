import Foundation
import Hummingbird
import PerfwatchAlerting
import PerfwatchModel
import PerfwatchStorage

/// Alerts over HTTP: current instances with history and statistics, acknowledgement, rules and
/// their evaluation status, reload, silences, in-app notifications and the delivery log.
struct AlertRoutes {
    let components: ServerComponents
    var alerting: AlertingComponents { components.alerting }

    func register(on router: Router<AppRequestContext>) {
        router.get("/api/v1/alerts") { request, _ in try await self.alerts(request) }
        router.post("/api/v1/alerts/:id/ack") { request, context in try await self.acknowledge(request, id: context.parameters.get("id") ?? "") }
        registerRuleRoutes(on: router)
        registerStream(on: router)
        router.post("/api/v1/rules/reload") { _, _ in try await self.reload() }
        router.get("/api/v1/silences") { _, _ in try await self.silences() }
        router.post("/api/v1/silences") { request, _ in try await self.addSilence(request) }
        router.delete("/api/v1/silences/:id") { _, context in try await self.removeSilence(context.parameters.get("id") ?? "") }
        router.get("/api/v1/alerts/notifications") { _, _ in try await self.notifications() }
        router.get("/api/v1/alerts/deliveries") { _, _ in try await self.deliveries() }
        // Links in notifications (`<external URL>/alerts?rule=…`) open the dashboard's Alerts page.
        router.get("/alerts") { request, _ in
            let rule = request.uri.queryParameters["rule"].map(String.init) ?? ""
            let target = rule.isEmpty ? "/#/alerts" : "/#/alerts?tab=active&rule=" + (rule.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            return Response(status: .found, headers: [.location: target])
        }
    }

    /// `{"active":[…],"history":[…],"statistics":{…}}`; `state` filters both (pending, firing,
    /// resolved, acknowledged), `from`/`to` bound the history.
    func alerts(_ request: Request) async throws -> Response {
        let now = TimeParsing.nowMs()
        let (from, to) = try request.timeRange(nowMs: now)
        let stateText = request.uri.queryParameters["state"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let validStates = ["pending", "firing", "resolved", "acknowledged", "cancelled"]
        if let stateText, !validStates.contains(stateText) {
            throw PerfwatchError(.badRequest, "state '\(stateText)' is not one of \(validStates.joined(separator: ", "))")
        }
        let silences = await alerting.dispatcher.silences()
        let active = await alerting.evaluator.alerts().filter { instance in
            stateText.map { $0 == instance.state.rawValue } ?? (instance.state.rawValue != "inactive")
        }.map { $0.marked(by: silences, at: now) }
        let history = try await alerting.history.alertHistory(from: from, to: to, kind: stateText, limit: 1000)
        let statistics = AlertStatistics(try await alerting.history.alertHistory(from: from, to: to, kind: nil, limit: 10_000))
        return try .json(AlertListResponse(active: active, history: history.map(AlertHistoryEntry.init), statistics: statistics), capacity: 4096)
    }

    func acknowledge(_ request: Request, id: String) async throws -> Response {
        let body = try await request.decodedBody(as: AcknowledgementRequest.self, what: "acknowledgement")
        guard !body.by.isEmpty else { throw PerfwatchError(.badRequest, "acknowledgement needs 'by' (who)") }
        do {
            let snapshot = try await alerting.evaluator.acknowledge(alertID: id, by: body.by, comment: body.comment)
            let silences = await alerting.dispatcher.silences()
            return try .json(snapshot.marked(by: silences, at: TimeParsing.nowMs()))
        } catch let error as AlertingError {
            throw PerfwatchError(error.code == "not_found" ? .notFound : .badRequest, error.description)
        }
    }

    func reload() async throws -> Response {
        try .json(RulesReloaded(problems: await alerting.reload().map(\.description)))
    }

    func silences() async throws -> Response { try .json(SilenceList(silences: await alerting.dispatcher.silences())) }

    func addSilence(_ request: Request) async throws -> Response {
        let body = try await request.decodedBody(as: SilenceRequest.self, what: "silence")
        let now = TimeParsing.nowMs()
        func time(_ name: String, _ value: TimeInput?) throws -> Int64? {
            switch value {
            case nil: return nil
            case .unixMs(let number):
                guard let ms = Int64(saturating: number) else { throw PerfwatchError(.badRequest, "silence: '\(name)' is not a number") }
                return TimeParsing.clamp(ms)
            case .text(let text):
                if let parsed = TimeParsing.parseTime(text, nowMs: now) { return parsed }
                throw PerfwatchError(.badRequest, "silence: '\(name)' must be unix ms, RFC 3339 or relative like +2h")
            }
        }
        var ends = try time("endsAt", body.endsAt)
        if ends == nil, let duration = body.duration {
            guard let ms = try? DurationText.parse(duration).wholeMilliseconds else { throw PerfwatchError(.badRequest, "silence: 'duration' must be like 2h") }
            ends = TimeParsing.clamp(now.saturatingAdding(ms))
        }
        do {
            let silence = try Silence.validated(
                id: UUID().uuidString.lowercased(), matchers: body.matchers ?? [], startsAt: try time("startsAt", body.startsAt) ?? now,
                endsAt: ends ?? now, createdBy: body.createdBy ?? "", comment: body.comment ?? "")
            try await alerting.addSilence(silence)
            return try .json(silence, status: .created)
        } catch let error as AlertingError {
            throw PerfwatchError(.badRequest, "silence: \(error.field.map { "\($0): " } ?? "")\(error.message)")
        }
    }

    func removeSilence(_ id: String) async throws -> Response {
        guard try await alerting.removeSilence(id: id) else { throw PerfwatchError(.notFound, "no silence with id \(id)") }
        return Response(status: .noContent)
    }

    func notifications() async throws -> Response {
        let entries = await alerting.inApp.entries
        return try .json(NotificationList(notifications: entries.reversed().map { NotificationList.Entry(at: $0.atMs, notification: $0.notification) }), capacity: 4096)
    }

    func deliveries() async throws -> Response {
        try .json(DeliveryList(deliveries: Array(await alerting.deliveries.attempts.suffix(500).reversed())), capacity: 4096)
    }
}

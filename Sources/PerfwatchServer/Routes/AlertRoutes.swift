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

    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func body(_ request: Request) async throws -> [String: Any] {
        var request = request
        let bytes = try await request.bodyBytes(limit: 64 * 1024)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw PerfwatchError(.badRequest, "body must be a JSON object")
        }
        return object
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
        let active = await alerting.evaluator.alerts().filter { instance in
            stateText.map { $0 == instance.state.rawValue } ?? (instance.state.rawValue != "inactive")
        }
        let history = try await alerting.history.alertHistory(from: from, to: to, kind: stateText, limit: 1000)
        var json = JSONText(capacity: 4096)
        json.raw("{\"active\":\(try Self.encode(active)),\"history\":[")
        for (index, record) in history.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"kind\":")
            json.string(record.kind)
            json.raw(",\"alertId\":")
            json.string(record.alertID)
            json.raw(",\"rule\":")
            json.string(record.rule)
            json.raw(",\"group\":")
            json.string(record.group)
            json.raw(",\"labels\":\(record.labelsJSON),\"severity\":")
            json.string(record.severity)
            json.raw(",\"message\":")
            json.string(record.message)
            json.raw(",\"threshold\":")
            json.number(record.threshold)
            json.raw(",\"value\":")
            if let value = record.value { json.number(value) } else { json.raw("null") }
            json.raw(",\"activeAt\":\(record.activeMs),\"firedAt\":\(record.firedMs.map(String.init) ?? "null")")
            json.raw(",\"resolvedAt\":\(record.resolvedMs.map(String.init) ?? "null"),\"acknowledgedBy\":")
            if let by = record.acknowledgedBy { json.string(by) } else { json.raw("null") }
            json.raw(",\"acknowledgedAt\":\(record.acknowledgedMs.map(String.init) ?? "null"),\"at\":\(record.atMs),\"silenced\":\(record.silenced)}")
        }
        json.raw("],\"statistics\":")
        statistics(try await alerting.history.alertHistory(from: from, to: to, kind: nil, limit: 10_000), into: &json)
        json.raw("}")
        return .json(json.text)
    }

    /// Alerts fired per rule, mean time from firing to acknowledgement and to resolution.
    func statistics(_ records: [AlertHistoryRecord], into json: inout JSONText) {
        var fired: [String: Int] = [:]
        var toAck: [Double] = []
        var toResolve: [Double] = []
        for record in records {
            switch record.kind {
            case "firing": fired[record.rule, default: 0] += 1
            case "acknowledged":
                if let at = record.acknowledgedMs, let firedAt = record.firedMs { toAck.append(Double(at - firedAt)) }
            case "resolved":
                if let at = record.resolvedMs, let firedAt = record.firedMs { toResolve.append(Double(at - firedAt)) }
            default: break
            }
        }
        json.raw("{\"firedPerRule\":[")
        for (index, entry) in fired.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"rule\":")
            json.string(entry.key)
            json.raw(",\"count\":\(entry.value)}")
        }
        json.raw("],\"meanTimeToAcknowledgeMs\":")
        if toAck.isEmpty { json.raw("null") } else { json.number(toAck.reduce(0, +) / Double(toAck.count)) }
        json.raw(",\"meanTimeToResolveMs\":")
        if toResolve.isEmpty { json.raw("null") } else { json.number(toResolve.reduce(0, +) / Double(toResolve.count)) }
        json.raw("}")
    }

    func acknowledge(_ request: Request, id: String) async throws -> Response {
        let body = try await Self.body(request)
        guard let by = body["by"] as? String, !by.isEmpty else { throw PerfwatchError(.badRequest, "acknowledgement needs 'by' (who)") }
        do {
            let snapshot = try await alerting.evaluator.acknowledge(alertID: id, by: by, comment: body["comment"] as? String)
            return .json(try Self.encode(snapshot))
        } catch let error as AlertingError {
            throw PerfwatchError(error.code == "not_found" ? .notFound : .badRequest, error.description)
        }
    }

    func reload() async throws -> Response {
        let problems = await alerting.reload()
        var json = JSONText()
        json.raw("{\"reloaded\":true,\"problems\":")
        json.strings(problems.map(\.description))
        json.raw("}")
        return .json(json.text)
    }

    func silences() async throws -> Response { .json("{\"silences\":\(try Self.encode(await alerting.dispatcher.silences()))}") }

    func addSilence(_ request: Request) async throws -> Response {
        let body = try await Self.body(request)
        let now = TimeParsing.nowMs()
        func time(_ name: String) throws -> Int64? {
            guard let value = body[name] else { return nil }
            if let number = value as? NSNumber {
                guard let ms = Int64(saturating: number.doubleValue) else {
                    throw PerfwatchError(.badRequest, "silence: '\(name)' is not a number")
                }
                return TimeParsing.clamp(ms)
            }
            if let text = value as? String, let parsed = TimeParsing.parseTime(text, nowMs: now) { return parsed }
            throw PerfwatchError(.badRequest, "silence: '\(name)' must be unix ms, RFC 3339 or relative like +2h")
        }
        var ends = try time("endsAt")
        if ends == nil, let duration = body["duration"] as? String {
            guard let ms = try? DurationText.parse(duration).wholeMilliseconds else { throw PerfwatchError(.badRequest, "silence: 'duration' must be like 2h") }
            ends = TimeParsing.clamp(now.saturatingAdding(ms))
        }
        do {
            let silence = try Silence.validated(
                id: UUID().uuidString.lowercased(), matchers: body["matchers"] as? [String] ?? [], startsAt: try time("startsAt") ?? now,
                endsAt: ends ?? now, createdBy: body["createdBy"] as? String ?? "", comment: body["comment"] as? String ?? "")
            try await alerting.addSilence(silence)
            return .json(try Self.encode(silence), status: .created)
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
        struct Entry: Encodable {
            var at: Int64
            var notification: AlertNotification
        }
        return .json("{\"notifications\":\(try Self.encode(entries.reversed().map { Entry(at: $0.atMs, notification: $0.notification) }))}")
    }

    func deliveries() async throws -> Response {
        .json("{\"deliveries\":\(try Self.encode(Array(await alerting.deliveries.attempts.suffix(500).reversed())))}")
    }
}

import Foundation
import Hummingbird
import PerfwatchAlerting
import PerfwatchIngest
import PerfwatchModel
import PerfwatchStorage

/// `/api/v1/alert-rules`: every rule in force with its source and evaluation status; rules
/// created, replaced and deleted through the API (stored in the database, in force at once).
/// Rules from files and the shipped defaults are read-only here (409 naming the file).
extension AlertRoutes {
    func registerRuleRoutes(on router: Router<AppRequestContext>) {
        router.get("/api/v1/alert-rules") { _, _ in try await self.rules() }
        router.post("/api/v1/alert-rules") { request, _ in try await self.createRule(request) }
        router.get("/api/v1/alert-rules/:name") { _, context in try await self.rule(named: context.parameters.get("name") ?? "") }
        router.put("/api/v1/alert-rules/:name") { request, context in try await self.replaceRule(request, name: context.parameters.get("name") ?? "") }
        router.delete("/api/v1/alert-rules/:name") { _, context in try await self.deleteRule(named: context.parameters.get("name") ?? "") }
    }

    /// One rule in force as the API lists it.
    struct RuleEntry: Encodable {
        var name: String
        var group: String
        /// `defaults`, a rule file (`rules/api.yml`) or `api`.
        var source: String
        var readOnly: Bool
        var interval: String
        var rule: AlertRule
        var health: String
        /// The query returned nothing (a metric nobody sends yet); the rule stays quiet.
        var noData: Bool
        // Left out when nil, as this list has always written them.
        @OmittedWhenNil var lastEvaluatedAt: Int64?
        @OmittedWhenNil var lastDurationMs: Double?
        @OmittedWhenNil var lastError: String?
        var pendingCount: Int
        var firingCount: Int
    }

    func ruleEntries() async -> [RuleEntry] {
        let statuses = await alerting.evaluator.ruleStatuses()
        var statusByKey: [String: RuleEvaluationStatus] = [:]
        for status in statuses { statusByKey[status.groupName + "\u{0}" + status.ruleName] = status }
        var result: [RuleEntry] = []
        for group in await alerting.evaluator.ruleGroups() {
            let source = group.source ?? "defaults"
            for rule in group.rules {
                let status = statusByKey[group.name + "\u{0}" + rule.name]
                result.append(RuleEntry(
                    name: rule.name, group: group.name, source: source, readOnly: source != AlertRuleCatalog.apiSource,
                    interval: AlertDuration.format(group.interval), rule: rule, health: status?.health.rawValue ?? "unknown",
                    noData: status?.health == .noData, lastEvaluatedAt: status?.lastEvaluatedAt, lastDurationMs: status?.lastDurationMs,
                    lastError: status?.lastError, pendingCount: status?.pendingCount ?? 0, firingCount: status?.firingCount ?? 0))
            }
        }
        return result
    }

    /// `{"rules":[…],"groups":[…],"statuses":[…],"problems":[…]}`: `rules` is the flat list with
    /// source and status; `groups`/`statuses` are kept for older dashboards; `problems` are the
    /// rule-file errors of the last load.
    func rules() async throws -> Response {
        try .json(
            AlertRuleList(
                rules: await ruleEntries(), groups: await alerting.evaluator.ruleGroups(), statuses: await alerting.evaluator.ruleStatuses(),
                problems: await alerting.catalog.fileDiagnostics.map(\.description)),
            capacity: 8192)
    }

    func rule(named name: String) async throws -> Response {
        let matches = await ruleEntries().filter { $0.name == name }
        guard !matches.isEmpty else { throw PerfwatchError(.notFound, "no alert rule named \"\(name)\"") }
        // API rule names are unique; a name used in two file groups shows the first.
        return try .json(AlertRuleResponse(rule: matches[0]))
    }

    func createRule(_ request: Request) async throws -> Response {
        let (rule, group, interval) = try await Self.ruleBody(request)
        return try await store(rule, group: group, interval: interval, replacing: nil, status: .created)
    }

    func replaceRule(_ request: Request, name: String) async throws -> Response {
        if let source = await alerting.catalog.readOnlySource(ofRule: name) {
            return try Self.conflict("rule \"\(name)\" is defined in \(source) and is read-only through the API; edit \(source) and reload")
        }
        guard await alerting.catalog.apiRule(named: name) != nil else { throw PerfwatchError(.notFound, "no API rule named \"\(name)\"") }
        let (rule, group, interval) = try await Self.ruleBody(request)
        return try await store(rule, group: group, interval: interval, replacing: name, status: .ok)
    }

    func deleteRule(named name: String) async throws -> Response {
        if let source = await alerting.catalog.readOnlySource(ofRule: name) {
            return try Self.conflict("rule \"\(name)\" is defined in \(source) and is read-only through the API; remove it from \(source) and reload")
        }
        guard await alerting.catalog.apiRule(named: name) != nil else { throw PerfwatchError(.notFound, "no API rule named \"\(name)\"") }
        guard try await alerting.store.deleteAlertRule(name: name) else { throw PerfwatchError(.notFound, "no API rule named \"\(name)\"") }
        await alerting.catalog.remove(name)
        await alerting.applyRules()
        return Response(status: .noContent)
    }

    private func store(_ rule: AlertRule, group: String?, interval: Duration?, replacing: String?, status: HTTPResponse.Status) async throws -> Response {
        let stored: StoredAlertRule
        do throws(AlertRuleCatalog.Refusal) {
            stored = try await alerting.catalog.validate(rule, group: group, interval: interval, replacing: replacing, nowMs: TimeParsing.nowMs())
        } catch {
            switch error.kind {
            case .conflict: return try Self.conflict(error.message)
            case .notFound: throw PerfwatchError(.notFound, error.message)
            case .invalid: throw PerfwatchError(.badRequest, error.message)
            }
        }
        // Stored before it takes effect: a rule the API accepted survives a restart.
        try await alerting.store.saveAlertRule(stored)
        await alerting.catalog.put(stored, rule: rule)
        await alerting.applyRules()
        let entry = await ruleEntries().first { $0.name == rule.name && $0.source == AlertRuleCatalog.apiSource }
        return try .json(AlertRuleResponse(rule: entry), status: status)
    }

    /// The rule's own fields (as in a rule file) plus optional `group` and `interval`. The
    /// rule's fields go to `AlertRule.decodeJSON`, which names the field of a problem.
    static func ruleBody(_ request: Request) async throws -> (AlertRule, String?, Duration?) {
        var request = request
        let bytes = try await request.bodyBytes(limit: 64 * 1024)
        guard let parsed = try? JSONReader.parse(bytes), var members = parsed.objectMembers else {
            throw PerfwatchError(.badRequest, "body must be a JSON object")
        }
        func take(_ key: String) -> JSONValue? {
            guard let index = members.firstIndex(where: { $0.key == key }) else { return nil }
            return members.remove(at: index).value
        }
        var group: String?
        if let value = take("group") {
            guard let text = value.stringValue, !text.isEmpty else { throw PerfwatchError(.badRequest, "group: must be a non-empty string") }
            group = text
        }
        var interval: Duration?
        if let value = take("interval") {
            guard let text = value.stringValue, let parsed = try? DurationText.parse(text) else {
                throw PerfwatchError(.badRequest, "interval: expected a duration like 15s or 1m")
            }
            interval = parsed
        }
        do {
            let rest = try CompactJSONEncoder().encode(EmbeddedJSON(.object(members)))
            return (try AlertRule.decodeJSON(Data(rest.utf8)), group, interval)
        } catch let error as AlertingError {
            // The body was re-serialized, so a line number would point nowhere: name the field.
            throw PerfwatchError(.badRequest, (error.field.map { "\($0): " } ?? "") + error.message)
        }
    }

    static func conflict(_ message: String) throws -> Response {
        try .json(ErrorResponse(code: "conflict", message: message), status: .conflict)
    }
}

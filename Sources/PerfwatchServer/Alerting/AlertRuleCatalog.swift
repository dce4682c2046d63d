import Foundation
import PerfwatchAlerting
import PerfwatchModel
import PerfwatchStorage

/// Where the evaluator's rules come from, in layers: the shipped defaults, then `--rules`
/// files (a same-named group replaces a default group), then rules managed through
/// `/api/v1/alert-rules` and stored in the database. Files and defaults are read-only through
/// the API; API rules live in groups of their own.
actor AlertRuleCatalog {
    /// An API rule as stored plus its parsed form.
    struct APIRule: Sendable {
        var stored: StoredAlertRule
        var rule: AlertRule
    }

    /// Why an API change was refused; the routes map `conflict` to 409, the rest to 400.
    struct Refusal: Error {
        enum Kind { case invalid, conflict, notFound }
        var kind: Kind
        var message: String
    }

    static let defaultAPIGroup = "api"
    static let apiSource = "api"

    let rulesDirectory: String?
    private(set) var fileGroups: [AlertRuleGroup] = []
    private(set) var fileDiagnostics: [AlertingError] = []
    private(set) var apiRules: [String: APIRule] = [:]
    /// The synthetic checks' rules (`SyntheticAlertRules`), replaced whenever the checks change.
    private(set) var syntheticGroups: [AlertRuleGroup] = []

    init(rulesDirectory: String?) {
        self.rulesDirectory = rulesDirectory
    }

    /// Re-reads the rule files; returns their problems (the rules that loaded are kept).
    @discardableResult
    func reloadFiles() -> [AlertingError] {
        guard let rulesDirectory else {
            fileGroups = []
            fileDiagnostics = []
            return []
        }
        let loaded = AlertRuleLoader.loadDirectory(URL(fileURLWithPath: rulesDirectory))
        fileGroups = loaded.groups
        fileDiagnostics = loaded.diagnostics
        return loaded.diagnostics
    }

    /// Loads the stored API rules; a stored rule that no longer parses (an older schema) is
    /// reported, not fatal.
    func loadAPIRules(_ stored: [StoredAlertRule]) -> [AlertingError] {
        var problems: [AlertingError] = []
        apiRules = [:]
        for entry in stored {
            do throws(AlertingError) {
                apiRules[entry.name] = APIRule(stored: entry, rule: try AlertRule.decodeJSON(Data(entry.ruleJSON.utf8)))
            } catch {
                problems.append(AlertingError(code: error.code, message: "stored API rule \"\(entry.name)\": \(error.description)"))
            }
        }
        return problems
    }

    /// Defaults (with the synthetic checks' rules), then files, then API groups.
    func groups() -> [AlertRuleGroup] {
        AlertRuleGroup.combine(DefaultAlertRules.groups, syntheticGroups, fileGroups, apiGroups())
    }

    func setSyntheticGroups(_ groups: [AlertRuleGroup]) {
        syntheticGroups = groups
    }

    private func apiGroups() -> [AlertRuleGroup] {
        var byGroup: [String: [APIRule]] = [:]
        for rule in apiRules.values { byGroup[rule.stored.group, default: []].append(rule) }
        return byGroup.keys.sorted().map { name in
            let rules = byGroup[name]!.sorted { $0.stored.createdMs < $1.stored.createdMs || ($0.stored.createdMs == $1.stored.createdMs && $0.stored.name < $1.stored.name) }
            return AlertRuleGroup(name: name, interval: .milliseconds(rules[0].stored.intervalMs), rules: rules.map(\.rule), source: Self.apiSource)
        }
    }

    /// The file or `defaults` that owns a rule name, if a read-only layer defines it.
    func readOnlySource(ofRule name: String) -> String? {
        for group in AlertRuleGroup.combine(DefaultAlertRules.groups, fileGroups) where group.rules.contains(where: { $0.name == name }) {
            return group.source ?? "defaults"
        }
        return nil
    }

    private func readOnlySource(ofGroup name: String) -> String? {
        AlertRuleGroup.combine(DefaultAlertRules.groups, fileGroups).first { $0.name == name }.map { $0.source ?? "defaults" }
    }

    /// Validates a create (`existing == nil`) or replace of an API rule; returns what to store.
    /// `group` and `interval` come from the body beside the rule's own fields.
    func validate(_ rule: AlertRule, group: String?, interval: Duration?, replacing existing: String?, nowMs: Int64) throws(Refusal) -> StoredAlertRule {
        if let source = readOnlySource(ofRule: rule.name) {
            throw Refusal(kind: existing == nil ? .invalid : .conflict, message: existing == nil
                ? "alert: duplicate name: a rule named \"\(rule.name)\" is defined in \(source)"
                : "rule \"\(rule.name)\" is defined in \(source) and is read-only through the API; edit \(source) and reload")
        }
        if let existing, existing != rule.name {
            throw Refusal(kind: .invalid, message: "alert: must match the name in the path (\"\(existing)\"); rules are not renamed, create a new one")
        }
        if existing == nil, apiRules[rule.name] != nil {
            throw Refusal(kind: .invalid, message: "alert: duplicate name: a rule named \"\(rule.name)\" already exists (api); use PUT to change it")
        }
        if let existing, apiRules[existing] == nil {
            throw Refusal(kind: .notFound, message: "no API rule named \"\(existing)\"")
        }
        let groupName = group ?? apiRules[rule.name]?.stored.group ?? Self.defaultAPIGroup
        guard !groupName.isEmpty else { throw Refusal(kind: .invalid, message: "group: must not be empty") }
        if let source = readOnlySource(ofGroup: groupName) {
            throw Refusal(kind: .conflict, message: "group: \"\(groupName)\" is defined in \(source); API rules need a group of their own")
        }
        let siblings = apiRules.values.filter { $0.stored.group == groupName && $0.stored.name != rule.name }
        let groupInterval = siblings.first.map { Duration.milliseconds($0.stored.intervalMs) }
        if let interval, let groupInterval, interval != groupInterval {
            throw Refusal(kind: .invalid, message: "interval: group \"\(groupName)\" is evaluated every \(AlertDuration.format(groupInterval)); omit interval or use that")
        }
        let effective = interval ?? groupInterval ?? .seconds(15)
        guard effective > .zero else { throw Refusal(kind: .invalid, message: "interval: must be greater than 0") }
        return StoredAlertRule(
            name: rule.name, group: groupName, intervalMs: effective.milliseconds, ruleJSON: String(decoding: rule.encodeJSON(), as: UTF8.self),
            createdMs: apiRules[rule.name]?.stored.createdMs ?? nowMs, updatedMs: nowMs)
    }

    func put(_ stored: StoredAlertRule, rule: AlertRule) {
        apiRules[stored.name] = APIRule(stored: stored, rule: rule)
    }

    func remove(_ name: String) {
        apiRules[name] = nil
    }

    func apiRule(named name: String) -> APIRule? { apiRules[name] }
}

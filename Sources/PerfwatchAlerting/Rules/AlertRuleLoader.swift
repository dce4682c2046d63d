public import Foundation
internal import PerfwatchConfig

/// What loading rule files produced: every rule that could be read, plus one diagnostic
/// per problem. A bad file or rule never hides the good ones.
public struct AlertRuleLoadResult: Sendable {
    public var groups: [AlertRuleGroup]
    public var diagnostics: [AlertingError]

    public init(groups: [AlertRuleGroup] = [], diagnostics: [AlertingError] = []) {
        self.groups = groups
        self.diagnostics = diagnostics
    }

    public var ruleCount: Int { groups.reduce(0) { $0 + $1.rules.count } }

    mutating func merge(_ other: AlertRuleLoadResult) {
        groups += other.groups
        diagnostics += other.diagnostics
    }
}

/// Reads rule files whose schema mirrors Prometheus rule files:
///
/// ```yaml
/// groups:
///   - name: api
///     interval: 15s
///     rules:
///       - alert: ApiLatencyHigh
///         query: {metric: http.server.duration, stat: p95, by: [service, route], window: 5m}
///         op: ">"
///         threshold: 2000
///         for: 5m
///         labels: {severity: critical}
///         annotations:
///           summary: "p95 of {{ $labels.route }} is {{ $value | ms }} (threshold {{ $threshold | ms }})"
/// ```
public enum AlertRuleLoader {
    /// Parses one file's text. `file` is used in diagnostics only.
    public static func parse(yaml text: String, file: String) -> AlertRuleLoadResult {
        var result = AlertRuleLoadResult()
        let root: ConfigNode
        do throws(ConfigError) {
            root = try ConfigNode.parseYAML(text, file: file)
        } catch {
            result.diagnostics.append(AlertingError(error))
            return result
        }
        if root.isNull { return result }
        let groupNodes: [ConfigNode]
        do throws(ConfigError) {
            try root.checkKeys(["groups"])
            groupNodes = try root.required("groups").sequence()
        } catch {
            result.diagnostics.append(AlertingError(error))
            return result
        }
        for groupNode in groupNodes {
            do throws(ConfigError) {
                try groupNode.checkKeys(["name", "interval", "rules"])
                let name = try groupNode.required("name").string()
                let interval = try groupNode["interval"]?.duration() ?? .seconds(15)
                guard interval > .zero else { throw ConfigError.invalid(try groupNode.required("interval"), "must be greater than 0") }
                var rules: [AlertRule] = []
                var recordingRules: [RecordingRule] = []
                for ruleNode in try groupNode.required("rules").sequence() {
                    do throws(ConfigError) {
                        if ruleNode["record"] != nil {
                            recordingRules.append(try RecordingRule.parse(ruleNode))
                            continue
                        }
                        let rule = try AlertRule.parse(ruleNode)
                        if rules.contains(where: { $0.name == rule.name && $0.query == rule.query }) {
                            throw ConfigError.invalid(ruleNode, "duplicate rule \"\(rule.name)\" in group \"\(name)\"")
                        }
                        rules.append(rule)
                    } catch {
                        result.diagnostics.append(AlertingError(error))
                    }
                }
                if result.groups.contains(where: { $0.name == name }) {
                    throw ConfigError.invalid(try groupNode.required("name"), "duplicate group name \"\(name)\"")
                }
                var group = AlertRuleGroup(name: name, interval: interval, rules: rules, source: file)
                group.recordingRules = recordingRules
                result.groups.append(group)
            } catch {
                result.diagnostics.append(AlertingError(error))
            }
        }
        return result
    }

    /// Loads every `*.yml` / `*.yaml` file of a directory (not recursive), in name order.
    /// Group names must be unique across files; a later duplicate is reported and skipped.
    public static func loadDirectory(_ directory: URL) -> AlertRuleLoadResult {
        var result = AlertRuleLoadResult()
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            result.diagnostics.append(AlertingError(code: "rules_dir_unreadable", message: "cannot read rules directory: \(error.localizedDescription)", file: directory.path))
            return result
        }
        for name in names.sorted() where name.hasSuffix(".yml") || name.hasSuffix(".yaml") {
            let url = directory.appendingPathComponent(name)
            let display = directory.lastPathComponent + "/" + name
            guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
                result.diagnostics.append(AlertingError(code: "rules_file_unreadable", message: "cannot read file as UTF-8", file: display))
                continue
            }
            var fileResult = parse(yaml: text, file: display)
            fileResult.groups.removeAll { group in
                guard result.groups.contains(where: { $0.name == group.name }) else { return false }
                fileResult.diagnostics.append(AlertingError(code: "duplicate_group", message: "group \"\(group.name)\" is already defined in \(result.groups.first { $0.name == group.name }?.source ?? "another file"); skipped", file: display))
                return true
            }
            result.merge(fileResult)
        }
        return result
    }
}

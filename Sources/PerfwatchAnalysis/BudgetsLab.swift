import Foundation
public import PerfwatchModel
import PerfwatchConfig

/// Budgets on lab results (issue 20): a Lighthouse `budget.json` or a Lighthouse CI assertions file, checked
/// against an `AuditReport` (`perfwatch audit --budget/--assert`, `perfwatch budget check FILE --audit report.json`).
///
/// ```json
/// [{"path": "/*", "timings": [{"metric": "largest-contentful-paint", "budget": 2500}],
///   "resourceSizes": [{"resourceType": "script", "budget": 300}], "resourceCounts": [{"resourceType": "total", "budget": 50}]}]
///
/// {"assertions": {"categories:performance": ["error", {"minScore": 0.9, "aggregationMethod": "median"}],
///                 "largest-contentful-paint": ["warn", {"maxNumericValue": 2500}]}}
/// ```
/// Read with the one configuration reader, so a wrong key reads `budget.json:4: [0].timings[0].metric: …`.
public struct LabBudgetFile: Sendable {
    public enum Level: String, Sendable { case warn, error }
    public enum Aggregation: String, Sendable { case median, optimistic, pessimistic }

    public struct Check: Sendable {
        /// As reported: `largest-contentful-paint`, `script size`, `categories:performance`.
        public var name: String
        public var level: Level
        public var aggregation: Aggregation
        public var limit: Double
        /// `min`: the value must be at least the limit (scores); `max`: at most.
        public var isMinimum: Bool
        /// The value of one run; nil when the run has none.
        var value: @Sendable (AuditRun, AuditReport) -> Double?
    }

    public var checks: [Check]

    public static let timingMetrics = AuditScoring.metricNames
    public static let resourceTypes = ["document", "script", "stylesheet", "image", "media", "font", "other", "third-party", "total"]
    public static let opportunityIds = [
        "render-blocking-resources", "unused-javascript", "unused-css-rules", "uses-responsive-images", "modern-image-formats",
        "uses-text-compression", "uses-long-cache-ttl", "long-tasks",
    ]

    /// Parses either format (a top-level list is a budget.json, an object holds `assertions` or LHCI's `ci.assert.assertions`).
    public static func parse(_ text: String, file: String) throws -> LabBudgetFile {
        do throws(ConfigError) {
            // JSON first for its own syntax errors; then the YAML composer (JSON is YAML) for lines.
            if (try? JSONSerialization.jsonObject(with: Data(text.utf8))) == nil {
                throw ConfigError(code: "invalid_json", message: "not valid JSON", file: file, line: 1)
            }
            let root = try ConfigNode.parseYAML(text, file: file)
            if root.isSequence { return try budgets(root) }
            return try assertions(root)
        } catch {
            throw PerfwatchError(.badRequest, error.description)
        }
    }

    static func budgets(_ root: ConfigNode) throws(ConfigError) -> LabBudgetFile {
        var checks: [Check] = []
        let entries = try root.sequence()
        var paths: [String] = []
        for budget in entries { paths.append(try budget["path"]?.string() ?? "/*") }
        let allPaths = paths
        // As Lighthouse: of the entries whose path matches the page, the last one applies.
        @Sendable func applies(_ index: Int, _ url: String) -> Bool { allPaths.lastIndex { matches($0, url) } == index }
        for (index, budget) in entries.enumerated() {
            try budget.checkKeys(["path", "options", "timings", "resourceSizes", "resourceCounts"])
            for timing in try budget["timings"]?.sequence() ?? [] {
                try timing.checkKeys(["metric", "budget", "tolerance"])
                let metricNode = try timing.required("metric")
                let metric = try metricNode.string()
                guard timingMetrics.contains(metric) else {
                    throw metricNode.invalid("unknown metric \"\(metric)\"; known: \(timingMetrics.joined(separator: ", "))")
                }
                let limit = try timing.required("budget").double() + (try timing["tolerance"]?.double() ?? 0)
                checks.append(Check(name: metric, level: .error, aggregation: .median, limit: limit, isMinimum: false) { run, report in
                    applies(index, report.finalURL) ? AuditScoring.value(metric, run.metrics) : nil
                })
            }
            for (key, isSize) in [("resourceSizes", true), ("resourceCounts", false)] {
                for entry in try budget[key]?.sequence() ?? [] {
                    try entry.checkKeys(["resourceType", "budget"])
                    let typeNode = try entry.required("resourceType")
                    let type = try typeNode.string()
                    guard resourceTypes.contains(type) else {
                        throw typeNode.invalid("unknown resource type \"\(type)\"; known: \(resourceTypes.joined(separator: ", "))")
                    }
                    // Lighthouse's sizes are KiB.
                    let limit = try entry.required("budget").double() * (isSize ? 1024 : 1)
                    let name = "\(type) \(isSize ? "size" : "count")"
                    checks.append(Check(name: name, level: .error, aggregation: .median, limit: limit, isMinimum: false) { run, report in
                        guard applies(index, report.finalURL) else { return nil }
                        let rows = type == "third-party" ? run.requests.filter { host($0.url) != host(report.finalURL) } : nil
                        if let rows { return isSize ? rows.map(\.transferBytes).reduce(0, +) : Double(rows.count) }
                        let summary = run.resourceSummary[type] ?? ResourceTypeSummary(requests: 0, transferBytes: 0)
                        return isSize ? summary.transferBytes : Double(summary.requests)
                    })
                }
            }
        }
        return LabBudgetFile(checks: checks)
    }

    static func assertions(_ root: ConfigNode) throws(ConfigError) -> LabBudgetFile {
        let list: ConfigNode
        if let direct = root["assertions"] {
            try root.checkKeys(["assertions", "preset"])
            list = direct
        } else if let ci = root["ci"] {
            try root.checkKeys(["ci"])
            let assert = try ci.required("assert")
            list = try assert.required("assertions")
        } else {
            throw root.invalid("expected a list (budget.json) or an object with \"assertions\"")
        }
        var checks: [Check] = []
        for (audit, node) in try list.mapping() {
            let known = ["categories:performance"] + timingMetrics + opportunityIds
            guard known.contains(audit) else { throw node.invalid("unknown audit \"\(audit)\"; known: \(known.joined(separator: ", "))") }
            let levelNode: ConfigNode
            var options: ConfigNode?
            if node.isSequence {
                let parts = try node.sequence()
                guard let first = parts.first, parts.count <= 2 else { throw node.invalid("expected [level, {options}]") }
                levelNode = first
                options = parts.count == 2 ? parts[1] : nil
            } else {
                levelNode = node
            }
            let levelText = try levelNode.string()
            if levelText == "off" { continue }
            guard let level = Level(rawValue: levelText) else { throw levelNode.invalid("expected off, warn or error, got \"\(levelText)\"") }
            var aggregation = Aggregation.optimistic
            var limits: [(key: String, value: Double, node: ConfigNode)] = []
            if let options {
                for (key, value) in try options.mapping() {
                    switch key {
                    case "aggregationMethod":
                        let text = try value.string()
                        guard let method = Aggregation(rawValue: text) else {
                            throw value.invalid("expected median, optimistic or pessimistic, got \"\(text)\"")
                        }
                        aggregation = method
                    case "minScore", "maxNumericValue", "maxLength":
                        limits.append((key, try value.double(), value))
                    default:
                        throw value.invalid("unknown option \"\(key)\"; valid: minScore, maxNumericValue, maxLength, aggregationMethod")
                    }
                }
            }
            // A level alone asks for a passing audit, as Lighthouse CI reads it (score ≥ 0.9; an opportunity: no items).
            if limits.isEmpty { limits = [(opportunityIds.contains(audit) ? "maxLength" : "minScore", opportunityIds.contains(audit) ? 0 : 0.9, node)] }
            for (key, limit, limitNode) in limits {
                let value = try extractor(audit: audit, key: key, node: limitNode)
                let name = audit + (key == "minScore" ? " score" : key == "maxLength" ? " items" : "")
                checks.append(Check(name: name, level: level, aggregation: aggregation, limit: limit, isMinimum: key == "minScore", value: value))
            }
        }
        return LabBudgetFile(checks: checks)
    }

    static func extractor(audit: String, key: String, node: ConfigNode) throws(ConfigError) -> @Sendable (AuditRun, AuditReport) -> Double? {
        switch (audit, key) {
        case ("categories:performance", "minScore"):
            return { run, _ in Double(run.score) / 100 }
        case ("categories:performance", _):
            throw node.invalid("categories:performance takes minScore (0–1)")
        case (_, "minScore") where timingMetrics.contains(audit):
            return { run, report in
                let device = AuditDevice(rawValue: report.device) ?? .mobile
                guard let curve = AuditScoring.curves(device).first(where: { $0.metric == audit })?.curve,
                    let value = AuditScoring.value(audit, run.metrics)
                else { return nil }
                return AuditScoring.score(value, curve)
            }
        case (_, "maxNumericValue") where timingMetrics.contains(audit):
            return { run, _ in AuditScoring.value(audit, run.metrics) }
        case (_, "maxLength") where opportunityIds.contains(audit):
            return { run, _ in Double(run.opportunities.first { $0.id == audit }?.items.count ?? 0) }
        case (_, "maxNumericValue") where opportunityIds.contains(audit):
            return { run, _ in
                guard let opportunity = run.opportunities.first(where: { $0.id == audit }) else { return 0 }
                return opportunity.savingsMs ?? opportunity.savingsBytes ?? 0
            }
        default:
            throw node.invalid("\(audit) does not take \(key)")
        }
    }

    /// Lighthouse's budget paths: a prefix, `*` for anything, `$` for the end.
    static func matches(_ pattern: String, _ url: String) -> Bool {
        let path = URLComponents(string: url).map { $0.path + ($0.query.map { "?" + $0 } ?? "") } ?? url
        var regex = "^"
        for character in pattern {
            switch character {
            case "*": regex += ".*"
            case "$": regex += "$"
            default: regex += NSRegularExpression.escapedPattern(for: String(character))
            }
        }
        return path.range(of: regex, options: .regularExpression) != nil
    }

    static func host(_ url: String) -> String { URLComponents(string: url)?.host ?? "" }

    public struct Result: Sendable {
        public var name: String
        public var level: Level
        public var limit: Double
        public var isMinimum: Bool
        public var actual: Double?
        public var passed: Bool { actual.map { isMinimum ? $0 >= limit : $0 <= limit } ?? true }
    }

    /// Each check over the runs that did not fail, aggregated as it asks (optimistic: the best run's value).
    public func evaluate(_ report: AuditReport) -> [Result] {
        let runs = report.runs.filter { $0.failed == nil }
        return checks.map { check in
            let values = runs.compactMap { check.value($0, report) }.sorted()
            var actual: Double?
            if !values.isEmpty {
                let best = check.isMinimum ? values.last! : values.first!
                let worst = check.isMinimum ? values.first! : values.last!
                switch check.aggregation {
                case .median: actual = values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
                case .optimistic: actual = best
                case .pessimistic: actual = worst
                }
            }
            return Result(name: check.name, level: check.level, limit: check.limit, isMinimum: check.isMinimum, actual: actual)
        }
    }

    public static func table(_ results: [Result]) -> String {
        func format(_ value: Double?) -> String {
            guard let value else { return "no data" }
            return value == value.rounded() ? String(Int(value)) : String(format: "%.3f", value)
        }
        let rows = results.map {
            [$0.name, $0.level.rawValue, ($0.isMinimum ? "≥ " : "≤ ") + format($0.limit), format($0.actual), $0.passed ? "ok" : ($0.level == .error ? "FAILED" : "warning")]
        }
        let header = ["check", "level", "limit", "actual", "result"]
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { cells in
            cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    public static func summary(_ results: [Result]) -> String {
        let errors = results.filter { !$0.passed && $0.level == .error }.count
        let warnings = results.filter { !$0.passed && $0.level == .warn }.count
        if errors == 0 && warnings == 0 { return "all \(results.count) lab checks passed" }
        return "\(errors) of \(results.count) lab checks failed, \(warnings) warned"
    }

    public static func failed(_ results: [Result]) -> Bool { results.contains { !$0.passed && $0.level == .error } }
}

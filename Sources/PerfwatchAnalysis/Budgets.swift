import Foundation
import PerfwatchConfig
import PerfwatchModel

/// Performance budgets for CI (`perfwatch budget check budgets.yml`):
///
/// ```yaml
/// window: 1h                 # the data checked: the last hour (or --window)
/// budgets:
///   - route: /courses/:id    # server side, from traces: p50/p95/p99 (ms), error_rate (%)
///     service: learnhub-web  # optional
///     p95: 300ms
///     error_rate: 1%
///   - page: /checkout        # real users (RUM), p75: lcp, inp, fcp, ttfb (ms), cls; js (transfer per page view)
///     lcp: 2.5s
///     cls: 0.1
///     js: 500KB
///   - route: /beta/search    # a route or page with no data in the window fails the check,
///     p95: 500ms             # unless the budget says it may have none
///     missing: ok
/// ```
public struct BudgetFile: Sendable, Equatable {
    public struct Budget: Sendable, Equatable {
        public enum Scope: Sendable, Equatable {
            case route(String, service: String?)
            case page(String)
        }

        public var scope: Scope
        /// Limit per check name (`p95`, `error_rate`, `lcp`, `js` …) in the check's unit.
        public var limits: [(name: String, limit: Double)]
        /// `missing: ok`: a route or page without data in the window passes. Off by default, so
        /// a typo in a route (which has no data, ever) fails CI instead of passing as "no data".
        public var allowsMissing = false

        public static func == (lhs: Budget, rhs: Budget) -> Bool {
            lhs.scope == rhs.scope && lhs.allowsMissing == rhs.allowsMissing
                && lhs.limits.elementsEqual(rhs.limits) { $0.name == $1.name && $0.limit == $1.limit }
        }
    }

    public var windowMs: Int64
    public var budgets: [Budget]

    public static let routeChecks = ["p50", "p95", "p99", "error_rate"]
    public static let pageChecks = ["lcp", "inp", "cls", "fcp", "ttfb", "js"]

    /// Parses the file (through the one configuration reader, `ConfigNode`); errors read
    /// `budgets.yml:3: budgets[1].p95: …` (a `PerfwatchError` with code `bad_request`).
    public static func parse(_ text: String, file: String? = nil) throws -> BudgetFile {
        do throws(ConfigError) {
            return try parse(ConfigNode.parseYAML(text, file: file))
        } catch {
            throw PerfwatchError(.badRequest, error.description)
        }
    }

    static func parse(_ root: ConfigNode) throws(ConfigError) -> BudgetFile {
        try root.checkKeys(["window", "budgets"])
        var file = BudgetFile(windowMs: 3_600_000, budgets: [])
        if let window = root["window"] {
            file.windowMs = try window.duration().wholeMilliseconds
            guard file.windowMs > 0 else { throw window.invalid("must be longer than 0") }
        }
        if let list = root["budgets"] {
            file.budgets = try list.sequence().map { node throws(ConfigError) in try budget(node) }
        }
        return file
    }

    static func budget(_ node: ConfigNode) throws(ConfigError) -> Budget {
        guard case .mapping = node.value else { throw node.invalid("expected a mapping with route: or page:") }
        let scope: Budget.Scope
        let allowed: [String]
        if let route = try node["route"]?.string(), !route.isEmpty {
            scope = .route(route, service: try node["service"]?.string())
            allowed = ["route", "service"] + routeChecks + ["missing"]
        } else if let page = try node["page"]?.string(), !page.isEmpty {
            scope = .page(page)
            allowed = ["page"] + pageChecks + ["missing"]
        } else {
            throw node.invalid("needs route: (server side) or page: (real users)")
        }
        try node.checkKeys(allowed)
        var limits: [(String, Double)] = []
        for (name, value) in try node.mapping() where !["route", "service", "page", "missing"].contains(name) {
            let text = value.isNull ? "" : try value.string()
            guard let limit = Self.limit(name, text) else {
                throw value.invalid("expected \(Self.unitHint(name)), got '\(text)'")
            }
            limits.append((name, limit))
        }
        guard !limits.isEmpty else {
            let checks: [String]
            if case .page = scope { checks = pageChecks } else { checks = routeChecks }
            throw node.invalid("sets no limit; add one of \(checks.joined(separator: ", "))")
        }
        var budget = Budget(scope: scope, limits: limits)
        if let missing = node["missing"] {
            switch try missing.string() {
            case "ok": budget.allowsMissing = true
            case "fail": budget.allowsMissing = false
            case let other: throw missing.invalid("expected ok (no data passes) or fail (the default), got '\(other)'")
            }
        }
        return budget
    }

    static func unitHint(_ name: String) -> String {
        switch name {
        case "error_rate": "a percentage like 1%"
        case "cls": "a number like 0.1"
        case "js": "a size like 500KB or 2MB"
        default: "a duration like 300ms or 2.5s"
        }
    }

    /// The limit in the check's unit: ms, a fraction (error_rate), unitless (cls) or bytes (js).
    static func limit(_ name: String, _ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch name {
        case "error_rate":
            guard trimmed.hasSuffix("%"), let value = Double(trimmed.dropLast()), value >= 0 else { return nil }
            return value / 100
        case "cls":
            guard let value = Double(trimmed), value >= 0 else { return nil }
            return value
        case "js":
            for (suffix, factor) in [("kb", 1000.0), ("mb", 1_000_000.0), ("b", 1.0)] where trimmed.hasSuffix(suffix) {
                guard let value = Double(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), value >= 0 else { return nil }
                return value * factor
            }
            return Double(trimmed).flatMap { $0 >= 0 ? $0 : nil }
        default:
            // Latencies are durations in the one grammar (`DurationText`), kept to the microsecond.
            return (try? DurationText.parse(text))?.fractionalMilliseconds
        }
    }
}

import Foundation
import PerfwatchModel
import Yams

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

        public static func == (lhs: Budget, rhs: Budget) -> Bool {
            lhs.scope == rhs.scope && lhs.limits.elementsEqual(rhs.limits) { $0.name == $1.name && $0.limit == $1.limit }
        }
    }

    public var windowMs: Int64
    public var budgets: [Budget]

    public static let routeChecks = ["p50", "p95", "p99", "error_rate"]
    public static let pageChecks = ["lcp", "inp", "cls", "fcp", "ttfb", "js"]

    /// Parses the file; errors name the line and the field (`budgets[1].p95: …`).
    public static func parse(_ text: String) throws -> BudgetFile {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw PerfwatchError(.badRequest, "budgets: not valid YAML: \(error)")
        }
        guard let root, let mapping = root.mapping else { throw PerfwatchError(.badRequest, "budgets: the top level must be a mapping") }
        func fail(_ node: Node, _ field: String, _ message: String) -> PerfwatchError {
            PerfwatchError(.badRequest, "budgets: line \((node.mark?.line ?? 0)): \(field): \(message)")
        }
        var file = BudgetFile(windowMs: 3_600_000, budgets: [])
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "window":
                guard let ms = value.string.flatMap(TimeParsing.parseDuration), ms > 0 else {
                    throw fail(value, "window", "expected a duration like 1h or 30m, got '\(value.string ?? "")'")
                }
                file.windowMs = ms
            case "budgets":
                guard let list = value.sequence else { throw fail(value, "budgets", "expected a list") }
                for (index, item) in list.enumerated() { file.budgets.append(try budget(item, index: index, fail: fail)) }
            default:
                throw fail(keyNode, key, "unknown key; valid keys: window, budgets")
            }
        }
        return file
    }

    static func budget(_ node: Node, index: Int, fail: (Node, String, String) -> PerfwatchError) throws -> Budget {
        let field = "budgets[\(index)]"
        guard let mapping = node.mapping else { throw fail(node, field, "expected a mapping with route: or page:") }
        var values: [String: (Node, String)] = [:]
        for (keyNode, value) in mapping { values[keyNode.string ?? ""] = (keyNode, value.string ?? "") }
        let scope: Budget.Scope
        let allowed: [String]
        if let route = values["route"]?.1, !route.isEmpty {
            scope = .route(route, service: values["service"]?.1)
            allowed = ["route", "service"] + routeChecks
        } else if let page = values["page"]?.1, !page.isEmpty {
            scope = .page(page)
            allowed = ["page"] + pageChecks
        } else {
            throw fail(node, field, "needs route: (server side) or page: (real users)")
        }
        var limits: [(String, Double)] = []
        for (keyNode, value) in mapping {
            let name = keyNode.string ?? ""
            guard allowed.contains(name) else {
                throw fail(keyNode, "\(field).\(name)", "unknown key; valid keys: \(allowed.joined(separator: ", "))")
            }
            guard !["route", "service", "page"].contains(name) else { continue }
            let text = value.string ?? ""
            guard let limit = Self.limit(name, text) else {
                throw fail(value, "\(field).\(name)", "expected \(Self.unitHint(name)), got '\(text)'")
            }
            limits.append((name, limit))
        }
        guard !limits.isEmpty else {
            let checks: [String]
            if case .page = scope { checks = pageChecks } else { checks = routeChecks }
            throw fail(node, field, "sets no limit; add one of \(checks.joined(separator: ", "))")
        }
        return Budget(scope: scope, limits: limits)
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
            if trimmed.hasSuffix("ms"), let value = Double(trimmed.dropLast(2)), value >= 0 { return value }
            if trimmed.hasSuffix("s"), let value = Double(trimmed.dropLast()), value >= 0 { return value * 1000 }
            return nil
        }
    }
}

/// One check's outcome.
public struct BudgetResult: Sendable {
    public var budget: String
    public var check: String
    public var limit: Double
    /// nil: no data in the window (reported, not a failure).
    public var actual: Double?
    public var passed: Bool { actual.map { $0 <= limit } ?? true }

    public init(budget: String, check: String, limit: Double, actual: Double?) {
        self.budget = budget
        self.check = check
        self.limit = limit
        self.actual = actual
    }

    public static func format(_ check: String, _ value: Double?) -> String {
        guard let value else { return "no data" }
        switch check {
        case "error_rate": return String(format: "%.2f%%", value * 100)
        case "cls": return String(format: "%.3f", value)
        case "js": return value >= 1_000_000 ? String(format: "%.2f MB", value / 1_000_000) : String(format: "%.0f KB", value / 1000)
        default: return value >= 1000 ? String(format: "%.2f s", value / 1000) : String(format: "%.0f ms", value)
        }
    }
}

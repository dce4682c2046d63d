import Foundation
import PerfwatchConfig
import PerfwatchModel
import PerfwatchQuery

/// A saved dashboard's document (issue 15; docs/api-contract.md#dashboards): a name, the time range the
/// board opens with, and its panels — any query Explore can make (metric, stat, group-by, filters) drawn as
/// a line chart, bars, a single value or a table, one or two grid columns wide. The one reader of what
/// `POST`/`PUT /api/v1/dashboards` and an import receive: a refusal names the field
/// (`dashboard.panels[1].chart: …`). Written back canonical, so an export imports as the same board.
struct DashboardDocument: Encodable, Equatable {
    struct Panel: Encodable, Equatable {
        var title: String
        var metric: String
        var stat: String
        var by: [String]
        var `where`: [String]
        var chart: String
        var width: Int
    }

    static let ranges = ["15m", "1h", "6h", "24h", "7d"]
    static let charts = ["line", "bar", "value", "table"]
    static let maxPanels = 50

    var name: String
    var range: String
    var panels: [Panel]

    static func parse(json: [UInt8]) throws(ConfigError) -> DashboardDocument {
        let root = try ConfigNode.parseJSON(Data(json), rootPath: "dashboard")
        try root.checkKeys(["name", "range", "panels", "id", "created_at", "updated_at"])  // an export's own fields are ignored
        let nameNode = try root.required("name")
        let name = try nameNode.string().trimmingCharacters(in: .whitespaces)
        guard (1...100).contains(name.count) else { throw nameNode.invalid("a name of 1 to 100 characters") }
        var range = "1h"
        if let rangeNode = root["range"] {
            range = try rangeNode.string()
            guard ranges.contains(range) else { throw rangeNode.invalid("one of \(ranges.joined(separator: ", ")); got \"\(range)\"") }
        }
        var panels: [Panel] = []
        if let panelsNode = root["panels"] {
            let items = try panelsNode.sequence()
            guard items.count <= maxPanels else { throw panelsNode.invalid("at most \(maxPanels) panels, got \(items.count)") }
            for item in items { panels.append(try panel(item)) }
        }
        return DashboardDocument(name: name, range: range, panels: panels)
    }

    static func panel(_ node: ConfigNode) throws(ConfigError) -> Panel {
        try node.checkKeys(["title", "metric", "stat", "by", "where", "chart", "width"])
        let metricNode = try node.required("metric")
        let metric = try metricNode.string()
        guard (1...200).contains(metric.count) else { throw metricNode.invalid("a metric name of 1 to 200 characters") }
        var panel = Panel(title: "", metric: metric, stat: "p95", by: [], where: [], chart: "line", width: 1)
        if let title = node["title"] {
            panel.title = try title.string()
            guard panel.title.count <= 100 else { throw title.invalid("at most 100 characters") }
        }
        if let stat = node["stat"] {
            panel.stat = try stat.string()
            guard Stat(panel.stat) != nil else {
                throw stat.invalid("unknown stat \"\(panel.stat)\"; use count, sum, avg, min, max, rate, last or pNN (p50, p95, p99.9)")
            }
        }
        if let by = node["by"] {
            panel.by = try by.stringList()
            guard panel.by.count <= 5, panel.by.allSatisfy({ !$0.isEmpty && $0.count <= 100 }) else { throw by.invalid("at most 5 tag names") }
        }
        if let filters = node["where"] {
            panel.where = try filters.stringList()
            guard panel.where.count <= 10 else { throw filters.invalid("at most 10 filters") }
            if let bad = panel.where.first(where: { TagFilter($0) == nil }) { throw filters.invalid("\"\(bad)\" is not TAG=VALUE or TAG!=VALUE") }
        }
        if let chart = node["chart"] {
            panel.chart = try chart.string()
            guard charts.contains(panel.chart) else { throw chart.invalid("one of \(charts.joined(separator: ", ")); got \"\(panel.chart)\"") }
        }
        if let width = node["width"] {
            panel.width = try width.int(min: 1)
            guard panel.width <= 2 else { throw width.invalid("1 or 2 grid columns, got \(panel.width)") }
        }
        return panel
    }

    var jsonText: String { (try? CompactJSONEncoder().encode(self)) ?? "{}" }
}

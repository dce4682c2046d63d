import Hummingbird
import PerfwatchModel
import PerfwatchQuery

extension RUMRoutes {
    /// Per page and device (and overall): page views, p75 of each vital with its rating, the
    /// share of good / needs-improvement / poor loads, Core Web Vitals pass and the score.
    func vitals(_ request: Request) async throws -> Response {
        let now = TimeParsing.nowMs()
        let (from, to) = try request.timeRange(nowMs: now)
        var filters: [TagFilter] = []
        for name in ["page", "device", "release"] {
            if let value = request.uri.queryParameters[name[...]].map(String.init), !value.isEmpty {
                filters.append(TagFilter(key: name, value: value))
            }
        }
        func table(_ groupBy: [String]) async throws -> [Labels: VitalsRow] {
            var rows: [Labels: VitalsRow] = [:]
            let views = try await components.tableEngine.table("rum.page_views", [.sum], by: groupBy, filters: filters, from: from, to: to, nowMs: now)[0]
            for (labels, count) in views { rows[labels, default: VitalsRow()].pageViews = count }
            for vital in WebVitals.names {
                let columns = try await components.tableEngine.table(
                    "rum.\(vital)", [.count, .percentile(0.75)], by: groupBy, filters: filters, from: from, to: to, nowMs: now)
                for (labels, count) in columns[0] { rows[labels, default: VitalsRow()].samples[vital] = count }
                for (labels, p75) in columns[1] { rows[labels, default: VitalsRow()].p75[vital] = p75 }
            }
            let ratings = try await components.tableEngine.table(
                "rum.vital.ratings", [.sum], by: groupBy + ["vital", "rating"], filters: filters, from: from, to: to, nowMs: now)[0]
            for (labels, count) in ratings {
                guard let vital = labels["vital"], let rating = labels["rating"] else { continue }
                let key = labels.projected(onto: groupBy)
                rows[key, default: VitalsRow()].ratings[vital, default: [:]][rating] = count
            }
            return rows
        }
        let overall = try await table([])
        let pages = try await table(["page", "device"])
        var json = JSONText(capacity: 4096)
        json.raw("{\"from\":\(from),\"to\":\(to),\"overall\":")
        write(overall.values.first ?? VitalsRow(), page: "*", device: "*", to: &json)
        json.raw(",\"pages\":[")
        let ordered = pages.sorted { ($0.value.pageViews, $1.key.description) > ($1.value.pageViews, $0.key.description) }
        for (index, (labels, row)) in ordered.enumerated() {
            if index > 0 { json.raw(",") }
            write(row, page: labels["page"] ?? "", device: labels["device"] ?? "", to: &json)
        }
        json.raw("]}")
        return .json(json.text)
    }

    struct VitalsRow {
        var pageViews = 0.0
        var samples: [String: Double] = [:]
        var p75: [String: Double] = [:]
        var ratings: [String: [String: Double]] = [:]

        /// LCP and CLS good at p75, and INP too when there were interactions; nil without LCP or CLS.
        var passesCoreWebVitals: Bool? {
            guard let lcp = p75["lcp"], let cls = p75["cls"] else { return nil }
            let inpGood = p75["inp"].map { WebVitals.rating("inp", $0) == "good" } ?? true
            return WebVitals.rating("lcp", lcp) == "good" && WebVitals.rating("cls", cls) == "good" && inpGood
        }
    }

    func write(_ row: VitalsRow, page: String, device: String, to json: inout JSONText) {
        json.raw("{\"page\":")
        json.string(page)
        json.raw(",\"device\":")
        json.string(device)
        json.raw(",\"samples\":")
        json.number(row.pageViews)
        json.raw(",\"vitals\":{")
        for (index, vital) in WebVitals.names.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("\"\(vital)\":{\"p75\":")
            if let p75 = row.p75[vital] {
                json.number(vital == "cls" ? (p75 * 1000).rounded() / 1000 : (p75 * 10).rounded() / 10)
                json.raw(",\"rating\":")
                json.string(WebVitals.rating(vital, p75))
            } else {
                json.raw("null,\"rating\":null")
            }
            json.raw(",\"samples\":")
            json.number(row.samples[vital] ?? 0)
            let ratings = row.ratings[vital] ?? [:]
            let total = ratings.values.reduce(0, +)
            for (field, rating) in [("good", "good"), ("needsImprovement", "needs-improvement"), ("poor", "poor")] {
                json.raw(",\"\(field)\":")
                json.number(total > 0 ? ((ratings[rating] ?? 0) / total * 1000).rounded() / 1000 : 0)
            }
            json.raw("}")
        }
        json.raw("},\"cwvPass\":")
        if let pass = row.passesCoreWebVitals { json.raw(pass ? "true" : "false") } else { json.raw("null") }
        json.raw(",\"score\":")
        if let score = WebVitals.performanceScore(row.p75) { json.number(Int64(score)) } else { json.raw("null") }
        json.raw("}")
    }
}

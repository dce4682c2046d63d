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
        let ordered = pages.sorted { ($0.value.pageViews, $1.key.description) > ($1.value.pageViews, $0.key.description) }
        return try .json(
            VitalsResponse(
                from: from, to: to, overall: (overall.values.first ?? VitalsRow()).response(page: "*", device: "*"),
                pages: ordered.map { labels, row in row.response(page: labels["page"] ?? "", device: labels["device"] ?? "") }),
            capacity: 4096)
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

        func response(page: String, device: String) -> VitalsResponse.Row {
            let vitals: [(name: String, vital: VitalsResponse.Vital)] = WebVitals.names.map { vital in
                let p75 = self.p75[vital]
                let ratings = self.ratings[vital] ?? [:]
                let total = ratings.values.reduce(0, +)
                func share(_ rating: String) -> Double { total > 0 ? ((ratings[rating] ?? 0) / total * 1000).rounded() / 1000 : 0 }
                return (
                    name: vital,
                    vital: VitalsResponse.Vital(
                        p75: p75.map { vital == "cls" ? ($0 * 1000).rounded() / 1000 : ($0 * 10).rounded() / 10 },
                        rating: p75.map { WebVitals.rating(vital, $0) }, samples: samples[vital] ?? 0,
                        good: share("good"), needsImprovement: share("needs-improvement"), poor: share("poor"))
                )
            }
            return VitalsResponse.Row(
                page: page, device: device, samples: pageViews, vitals: VitalsResponse.Vitals(entries: vitals),
                cwvPass: passesCoreWebVitals, score: WebVitals.performanceScore(p75).map { Int64($0) })
        }
    }
}

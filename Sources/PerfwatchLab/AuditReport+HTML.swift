public import PerfwatchModel
import Foundation

extension AuditReport {
    /// A self-contained page (no external files): metrics, the filmstrip as inline JPEGs, opportunities and the waterfall.
    public var html: String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        func ms(_ value: Double?) -> String { value.map { String(format: "%.0f ms", $0) } ?? "—" }
        let metricRows = [
            ("First Contentful Paint", ms(metrics.fcpMs)), ("Largest Contentful Paint", ms(metrics.lcpMs)), ("Speed Index", ms(metrics.speedIndexMs)),
            ("Total Blocking Time", ms(metrics.tbtMs)), ("Cumulative Layout Shift", metrics.cls.map { String(format: "%.3f", $0) } ?? "—"),
            ("Time to First Byte", ms(metrics.ttfbMs)),
        ].map { "<tr><th>\($0.0)</th><td>\($0.1)</td></tr>" }.joined()
        let frames = filmstrip.map {
            "<figure><img alt=\"frame\" src=\"data:image/jpeg;base64,\($0.jpegBase64)\"><figcaption>\(String(format: "%.0f ms", $0.timeMs))</figcaption></figure>"
        }.joined()
        let opportunityRows = opportunities.map { opportunity in
            let saving = [opportunity.savingsMs.map { String(format: "%.0f ms", $0) }, opportunity.savingsBytes.map(Self.bytes)].compactMap { $0 }
            let items = opportunity.items.map { "<li>\(escape($0.url)) — \(escape($0.detail))</li>" }.joined()
            return "<details><summary>\(escape(opportunity.title)) <b>\(saving.joined(separator: ", "))</b></summary><ul>\(items)</ul></details>"
        }.joined()
        let end = max(1, requests.map(\.endMs).max() ?? 1)
        let waterfall = requests.map { row in
            let left = max(0, row.startMs) / end * 100
            let width = max(0.5, (row.endMs - row.startMs) / end * 100)
            return "<tr><td class=\"u\" title=\"\(escape(row.url))\">\(escape(row.url))</td><td>\(row.type)</td><td>\(row.status)</td>"
                + "<td>\(Self.bytes(row.transferBytes))</td><td class=\"bar\"><span class=\"\(row.renderBlocking ? "blocking" : "")\" "
                + "style=\"left:\(String(format: "%.2f", left))%;width:\(String(format: "%.2f", width))%\"></span></td></tr>"
        }.joined()
        let notes = warnings.map { "<p class=\"warn\">\(escape($0))</p>" }.joined()
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>Audit of \(escape(url))</title><style>
            body{font:14px system-ui,sans-serif;margin:2em;color:#222}h1{font-size:1.3em}.score{font-size:3em;font-weight:bold}
            table{border-collapse:collapse}th,td{padding:2px 8px;text-align:left}.film{display:flex;gap:6px;overflow-x:auto}
            figure{margin:0;text-align:center}figure img{height:160px;border:1px solid #ccc}.warn{color:#a40}
            .u{max-width:420px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.bar{position:relative;width:400px}
            .bar span{position:absolute;top:4px;height:10px;background:#4a7}.bar span.blocking{background:#d55}
            </style></head><body><h1>Audit of \(escape(url)) (\(device))</h1><div class="score">\(score)</div>
            <p>\(runs.count) run(s), median run \(medianRunIndex + 1), \(escape(chromiumVersion))</p>\(notes)
            <table>\(metricRows)</table><h2>Filmstrip</h2><div class="film">\(frames)</div>
            <h2>Opportunities</h2>\(opportunityRows)<h2>Waterfall</h2><table><tr><th>URL</th><th>type</th><th>status</th><th>bytes</th><th></th></tr>\(waterfall)</table>
            </body></html>
            """
    }
}

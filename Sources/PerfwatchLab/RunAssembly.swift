import Foundation
import PerfwatchModel

/// Turns one run's facts into an `AuditRun`: times on the page's own clock (ms since its time origin),
/// the metrics, the waterfall, the resource summary, the filmstrip and the opportunities.
struct RunAssembly {
    let facts: RunFacts
    let device: AuditDevice
    /// Speedline histograms of `facts.screenshots`, same order; nil when they could not be computed.
    let histograms: [[Int]]?

    var timeOrigin: Double { facts.page.double("timeOrigin") ?? 0 }

    /// Network timestamps are monotonic seconds; the document request carries the wall time of its own timestamp.
    var monotonicToWall: Double? {
        guard let document = facts.requests.first(where: { $0.wallTime != nil }), let wall = document.wallTime else { return nil }
        return wall - document.startTimestamp
    }

    func pageMs(_ monotonic: Double) -> Double {
        guard let offset = monotonicToWall, timeOrigin > 0 else { return 0 }
        return (monotonic + offset) * 1000 - timeOrigin
    }

    static func resourceType(_ cdpType: String) -> String {
        switch cdpType {
        case "Document": "document"
        case "Stylesheet": "stylesheet"
        case "Script": "script"
        case "Image": "image"
        case "Font": "font"
        case "Media": "media"
        default: "other"
        }
    }

    var waterfall: [WaterfallRow] {
        let blocking = Set(facts.page.objects("resources").filter { $0.bool("blocking") == true }.compactMap { $0.string("url") })
        return facts.requests.filter { !$0.url.hasPrefix("data:") }.map { request in
            WaterfallRow(
                url: request.url, type: Self.resourceType(request.resourceType), startMs: pageMs(request.startTimestamp),
                endMs: request.endTimestamp.map(pageMs) ?? pageMs(request.startTimestamp), transferBytes: request.encodedBytes,
                status: request.status, renderBlocking: blocking.contains(request.url))
        }
    }

    static func summary(_ rows: [WaterfallRow]) -> [String: ResourceTypeSummary] {
        var summary: [String: ResourceTypeSummary] = ["total": ResourceTypeSummary(requests: 0, transferBytes: 0)]
        for row in rows {
            for key in [row.type, "total"] {
                var entry = summary[key] ?? ResourceTypeSummary(requests: 0, transferBytes: 0)
                entry.requests += 1
                entry.transferBytes += row.transferBytes
                summary[key] = entry
            }
        }
        return summary
    }

    var fcp: Double? { facts.page.objects("paints").first { $0.string("name") == "first-contentful-paint" }?.double("startTime") }

    var longTasks: [LongTask] {
        let frames = facts.page.objects("frames")
        return facts.page.objects("longTasks").compactMap { task in
            guard let start = task.double("startTime"), let duration = task.double("duration") else { return nil }
            // The long animation frame that holds the task names its scripts; the longest one is the culprit.
            let scripts = frames.filter { frame in
                let frameStart = frame.double("startTime") ?? 0
                return frameStart <= start + duration && frameStart + (frame.double("duration") ?? 0) >= start
            }.flatMap { $0.objects("scripts") }
            let script = scripts.max { ($0.double("duration") ?? 0) < ($1.double("duration") ?? 0) }?.string("url") ?? ""
            return LongTask(script: script, startMs: start, durationMs: duration)
        }
    }

    var filmstripTimes: [Double] { facts.screenshots.map { $0.wallSeconds * 1000 - timeOrigin } }

    func metrics(end: Double) -> AuditMetrics {
        let fcp = self.fcp
        let lcp = facts.page.objects("lcp").last?.double("startTime")
        let shifts = facts.page.objects("shifts").map {
            LabMetrics.Shift(startTime: $0.double("startTime") ?? 0, value: $0.double("value") ?? 0, hadRecentInput: $0.bool("hadRecentInput") ?? false)
        }
        let tbt = fcp.map { fcp in
            LabMetrics.totalBlockingTime(tasks: longTasks.map { ($0.startMs, $0.durationMs) }, fcp: fcp, end: end)
        }
        var speedIndex: Double?
        if let histograms, histograms.count == facts.screenshots.count, !histograms.isEmpty {
            // Frames from before the navigation (the blank page) count as the start.
            let frames = zip(filmstripTimes, histograms).map { (timeMs: max(0, $0), histogram: $1) }
            speedIndex = LabMetrics.speedIndex(frames: frames, fcp: fcp)
        }
        return AuditMetrics(
            fcpMs: fcp, lcpMs: lcp, speedIndexMs: speedIndex, tbtMs: tbt, cls: LabMetrics.cumulativeLayoutShift(shifts),
            ttfbMs: facts.page.double("responseStart"))
    }

    /// At most `count` frames, evenly spread, always the first and the last (the report stays small).
    func filmstrip(count: Int = 10) -> [FilmstripFrame] {
        let frames = Array(zip(filmstripTimes, facts.screenshots))
        guard frames.count > count else { return frames.map { FilmstripFrame(timeMs: max(0, $0.0), jpegBase64: $0.1.jpegBase64) } }
        let picks = (0..<count).map { $0 * (frames.count - 1) / (count - 1) }
        return picks.map { FilmstripFrame(timeMs: max(0, frames[$0].0), jpegBase64: frames[$0].1.jpegBase64) }
    }

    func lcpElement(rows: [WaterfallRow], ttfb: Double?) -> LCPElement? {
        guard let entry = facts.page.objects("lcp").last, let lcp = entry.double("startTime") else { return nil }
        let url = entry.string("url").flatMap { $0.isEmpty ? nil : $0 }
        var element = LCPElement(selector: entry.string("selector") ?? "", url: url)
        if let url, let row = rows.first(where: { $0.url == url }) {
            element.loadDelayMs = max(0, row.startMs - (ttfb ?? 0))
            element.loadDurationMs = max(0, row.endMs - row.startMs)
            element.renderDelayMs = max(0, lcp - row.endMs)
        } else {
            element.loadDelayMs = 0
            element.renderDelayMs = max(0, lcp - (ttfb ?? 0))
        }
        return element
    }

    func run() -> AuditRun {
        let rows = waterfall
        let end = facts.page.double("now") ?? rows.map(\.endMs).max() ?? 0
        let metrics = metrics(end: end)
        var warnings = facts.warnings
        if metrics.speedIndexMs == nil { warnings.append("no screenshots to compute Speed Index from") }
        if metrics.lcpMs == nil { warnings.append("the page reported no largest-contentful-paint entry") }
        if metrics.fcpMs == nil { warnings.append("the page painted no content (no first-contentful-paint)") }
        let lcpElement = lcpElement(rows: rows, ttfb: metrics.ttfbMs)
        let tasks = longTasks
        let opportunities = Opportunities(facts: facts, rows: rows, fcp: metrics.fcpMs, lcpElement: lcpElement, longTasks: tasks).all
        let finalURL = facts.finalURL ?? facts.requests.first?.url ?? ""
        return AuditRun(
            score: AuditScoring.performanceScore(metrics, device: device), metrics: metrics, opportunities: opportunities,
            resourceSummary: Self.summary(rows), requests: rows, filmstrip: filmstrip(), lcpElement: lcpElement, longTasks: tasks,
            warnings: warnings, finalURL: finalURL, startedMs: facts.startedMs, durationMs: facts.durationMs)
    }
}

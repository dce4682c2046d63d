public import Foundation

/// One lab audit of one URL (issue 20): N runs of Chromium under Lighthouse's throttling, the median
/// run's figures at the top level. The JSON of this type is the contract between `perfwatch audit`
/// (which writes it, `--json`) and the server (`POST /api/v1/audits`, which stores and serves it as is).
/// Times are milliseconds from the navigation's start unless named otherwise; sizes are bytes.
public struct AuditReport: Codable, Sendable, Equatable {
    public var url: String
    /// After redirects.
    public var finalURL: String
    /// "mobile" or "desktop" (`AuditDevice`).
    public var device: String
    public var runs: [AuditRun]
    /// Index in `runs` of the run whose score is the median; the top-level fields below are that run's.
    public var medianRunIndex: Int
    /// 0–100, Lighthouse 10's weights and curves (`AuditScoring`).
    public var score: Int
    public var metrics: AuditMetrics
    public var opportunities: [Opportunity]
    /// By Lighthouse's resource types: "document", "script", "stylesheet", "image", "media", "font", "other", and "total".
    public var resourceSummary: [String: ResourceTypeSummary]
    public var requests: [WaterfallRow]
    public var filmstrip: [FilmstripFrame]
    public var lcpElement: LCPElement?
    public var longTasks: [LongTask]
    /// Why a figure may be partial, e.g. "page did not finish loading within 45 s: partial result".
    public var warnings: [String]
    /// Unix epoch milliseconds when the first run started.
    public var startedMs: Double
    /// Wall time of all runs.
    public var durationMs: Double
    public var chromiumVersion: String

    public init(
        url: String, finalURL: String, device: String, runs: [AuditRun], medianRunIndex: Int, score: Int, metrics: AuditMetrics,
        opportunities: [Opportunity], resourceSummary: [String: ResourceTypeSummary], requests: [WaterfallRow],
        filmstrip: [FilmstripFrame], lcpElement: LCPElement?, longTasks: [LongTask], warnings: [String],
        startedMs: Double, durationMs: Double, chromiumVersion: String
    ) {
        self.url = url
        self.finalURL = finalURL
        self.device = device
        self.runs = runs
        self.medianRunIndex = medianRunIndex
        self.score = score
        self.metrics = metrics
        self.opportunities = opportunities
        self.resourceSummary = resourceSummary
        self.requests = requests
        self.filmstrip = filmstrip
        self.lcpElement = lcpElement
        self.longTasks = longTasks
        self.warnings = warnings
        self.startedMs = startedMs
        self.durationMs = durationMs
        self.chromiumVersion = chromiumVersion
    }
}

/// One page load. A failed run (browser crash, unreachable host) has `failed` set and no metrics worth reading;
/// it is kept so the report says how many runs were attempted.
public struct AuditRun: Codable, Sendable, Equatable {
    public var score: Int
    public var metrics: AuditMetrics
    public var opportunities: [Opportunity]
    public var resourceSummary: [String: ResourceTypeSummary]
    public var requests: [WaterfallRow]
    public var filmstrip: [FilmstripFrame]
    public var lcpElement: LCPElement?
    public var longTasks: [LongTask]
    public var warnings: [String]
    public var finalURL: String
    /// Unix epoch milliseconds.
    public var startedMs: Double
    public var durationMs: Double
    /// Why the run failed, nil when it did not.
    public var failed: String?

    public init(
        score: Int, metrics: AuditMetrics, opportunities: [Opportunity], resourceSummary: [String: ResourceTypeSummary],
        requests: [WaterfallRow], filmstrip: [FilmstripFrame], lcpElement: LCPElement?, longTasks: [LongTask], warnings: [String],
        finalURL: String, startedMs: Double, durationMs: Double, failed: String? = nil
    ) {
        self.score = score
        self.metrics = metrics
        self.opportunities = opportunities
        self.resourceSummary = resourceSummary
        self.requests = requests
        self.filmstrip = filmstrip
        self.lcpElement = lcpElement
        self.longTasks = longTasks
        self.warnings = warnings
        self.finalURL = finalURL
        self.startedMs = startedMs
        self.durationMs = durationMs
        self.failed = failed
    }
}

/// The six lab metrics. A metric the page never produced (no LCP entry before the timeout) is nil.
public struct AuditMetrics: Codable, Sendable, Equatable {
    public var fcpMs: Double?
    public var lcpMs: Double?
    public var speedIndexMs: Double?
    public var tbtMs: Double?
    public var cls: Double?
    public var ttfbMs: Double?

    public init(fcpMs: Double? = nil, lcpMs: Double? = nil, speedIndexMs: Double? = nil, tbtMs: Double? = nil, cls: Double? = nil, ttfbMs: Double? = nil) {
        self.fcpMs = fcpMs
        self.lcpMs = lcpMs
        self.speedIndexMs = speedIndexMs
        self.tbtMs = tbtMs
        self.cls = cls
        self.ttfbMs = ttfbMs
    }
}

/// Something to fix, with what fixing it saves. Ids follow Lighthouse's audit ids where one exists:
/// "render-blocking-resources", "unused-javascript", "unused-css-rules", "uses-responsive-images",
/// "modern-image-formats", "uses-text-compression", "uses-long-cache-ttl", "long-tasks", "largest-contentful-paint-element".
public struct Opportunity: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var savingsBytes: Double?
    public var savingsMs: Double?
    public var items: [OpportunityItem]

    public init(id: String, title: String, savingsBytes: Double? = nil, savingsMs: Double? = nil, items: [OpportunityItem]) {
        self.id = id
        self.title = title
        self.savingsBytes = savingsBytes
        self.savingsMs = savingsMs
        self.items = items
    }
}

public struct OpportunityItem: Codable, Sendable, Equatable {
    public var url: String
    public var wastedBytes: Double?
    public var wastedMs: Double?
    /// One line for a person, e.g. "1600×1200 shown at 300×225 (DPR 1)".
    public var detail: String

    public init(url: String, wastedBytes: Double? = nil, wastedMs: Double? = nil, detail: String) {
        self.url = url
        self.wastedBytes = wastedBytes
        self.wastedMs = wastedMs
        self.detail = detail
    }
}

public struct ResourceTypeSummary: Codable, Sendable, Equatable {
    public var requests: Int
    public var transferBytes: Double

    public init(requests: Int, transferBytes: Double) {
        self.requests = requests
        self.transferBytes = transferBytes
    }
}

/// One request of the waterfall.
public struct WaterfallRow: Codable, Sendable, Equatable {
    public var url: String
    /// Same names as `AuditReport.resourceSummary`'s keys.
    public var type: String
    public var startMs: Double
    public var endMs: Double
    public var transferBytes: Double
    /// HTTP status; 0 when the request failed before a response.
    public var status: Int
    public var renderBlocking: Bool

    public init(url: String, type: String, startMs: Double, endMs: Double, transferBytes: Double, status: Int, renderBlocking: Bool) {
        self.url = url
        self.type = type
        self.startMs = startMs
        self.endMs = endMs
        self.transferBytes = transferBytes
        self.status = status
        self.renderBlocking = renderBlocking
    }
}

public struct FilmstripFrame: Codable, Sendable, Equatable {
    public var timeMs: Double
    public var jpegBase64: String

    public init(timeMs: Double, jpegBase64: String) {
        self.timeMs = timeMs
        self.jpegBase64 = jpegBase64
    }
}

/// The element of the last largest-contentful-paint entry and what delayed it.
public struct LCPElement: Codable, Sendable, Equatable {
    /// A short selector-like description, e.g. "img#hero.banner".
    public var selector: String
    /// The image's URL when the element is an image, else nil.
    public var url: String?
    /// Time from TTFB until the LCP resource started loading (0 for text).
    public var loadDelayMs: Double?
    /// Time the LCP resource took to load.
    public var loadDurationMs: Double?
    /// Time from the resource's end (or TTFB for text) to the paint.
    public var renderDelayMs: Double?

    public init(selector: String, url: String? = nil, loadDelayMs: Double? = nil, loadDurationMs: Double? = nil, renderDelayMs: Double? = nil) {
        self.selector = selector
        self.url = url
        self.loadDelayMs = loadDelayMs
        self.loadDurationMs = loadDurationMs
        self.renderDelayMs = renderDelayMs
    }
}

/// A main-thread task over 50 ms, attributed to the script that ran it ("" when the page's own document).
public struct LongTask: Codable, Sendable, Equatable {
    public var script: String
    public var startMs: Double
    public var durationMs: Double

    public init(script: String, startMs: Double, durationMs: Double) {
        self.script = script
        self.startMs = startMs
        self.durationMs = durationMs
    }
}

/// The two throttling profiles, as Lighthouse sets them (simulated RTT 150 ms → devtools 562.5 ms on mobile).
public enum AuditDevice: String, Codable, Sendable, CaseIterable {
    case mobile
    case desktop
}

extension AuditReport {
    /// The JSON the CLI writes and the server stores: sorted keys so two reports diff line by line.
    public func jsonData(pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> AuditReport {
        try JSONDecoder().decode(AuditReport.self, from: data)
    }
}

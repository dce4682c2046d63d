import Foundation
import PerfwatchGzip
import PerfwatchModel

/// The opportunities of one run, each with what fixing it saves, following the Lighthouse audit of the same id
/// where there is one (thresholds included, so a report reads the same).
struct Opportunities {
    let facts: RunFacts
    let rows: [WaterfallRow]
    let fcp: Double?
    let lcpElement: LCPElement?
    let longTasks: [LongTask]

    /// Lighthouse leaves out savings too small to act on.
    static let minimumWastedBytes = 2048.0
    static let minimumImageBytes = 4096.0
    static let minimumWebPBytes = 8192.0
    static let compressionMinimum = 1400.0
    /// Static responses cached for less than this are named (a week: a repeat visit within it hits the cache).
    static let shortCacheSeconds = 7.0 * 86_400

    var all: [Opportunity] {
        [renderBlocking, unusedJavaScript, unusedCSS, oversizedImages, modernImageFormats, textCompression, cachePolicy, longTaskScripts,
         lcpOpportunity]
            .compactMap { $0 }
    }

    func transferBytes(_ url: String) -> Double { rows.first { $0.url == url }?.transferBytes ?? 0 }

    /// CSS and synchronous scripts the browser waited for before the first paint; what deferring them would save is
    /// about the time they kept the page blank: from the first one's start to the last one's end, up to FCP.
    var renderBlocking: Opportunity? {
        guard let fcp else { return nil }
        let blocking = rows.filter { $0.renderBlocking && $0.endMs <= fcp + 1 }
        guard !blocking.isEmpty else { return nil }
        let start = blocking.map(\.startMs).min() ?? 0
        let end = min(fcp, blocking.map(\.endMs).max() ?? 0)
        let items = blocking.map {
            OpportunityItem(url: $0.url, wastedBytes: $0.transferBytes, wastedMs: $0.endMs - $0.startMs, detail: "\($0.type) loaded before the first paint")
        }
        return Opportunity(id: "render-blocking-resources", title: "Eliminate render-blocking resources", savingsMs: max(0, end - start), items: items)
    }

    /// V8's block coverage: the innermost range decides whether a byte ran. Ranges come outer first, so painting them
    /// in order leaves each byte with its innermost count.
    var unusedJavaScript: Opportunity? {
        var items: [OpportunityItem] = []
        for script in facts.coverage {
            guard let url = script.string("url"), url.hasPrefix("http") else { continue }
            let ranges = script.objects("functions").flatMap { $0.objects("ranges") }
            let length = ranges.compactMap { $0.int("endOffset") }.max() ?? 0
            guard length > 0 else { continue }
            var used = [Bool](repeating: false, count: length)
            for range in ranges {
                let start = max(0, range.int("startOffset") ?? 0)
                let end = min(length, range.int("endOffset") ?? 0)
                guard start < end else { continue }
                let ran = (range.int("count") ?? 0) > 0
                for index in start..<end { used[index] = ran }
            }
            let unused = Double(used.lazy.filter { !$0 }.count)
            let wasted = Self.transferShare(unused, of: Double(length), transfer: transferBytes(url))
            guard wasted >= Self.minimumWastedBytes else { continue }
            items.append(OpportunityItem(url: url, wastedBytes: wasted, detail: "\(Int(unused)) of \(length) bytes never ran"))
        }
        return Self.make("unused-javascript", "Reduce unused JavaScript", items)
    }

    var unusedCSS: Opportunity? {
        var usedBytes: [String: Double] = [:]
        for rule in facts.ruleUsage where rule.bool("used") == true {
            guard let sheet = rule.string("styleSheetId") else { continue }
            usedBytes[sheet, default: 0] += (rule.double("endOffset") ?? 0) - (rule.double("startOffset") ?? 0)
        }
        var byURL: [String: (length: Double, used: Double)] = [:]
        for (id, sheet) in facts.styleSheets where sheet.url.hasPrefix("http") {
            let entry = byURL[sheet.url] ?? (0, 0)
            byURL[sheet.url] = (entry.length + sheet.length, entry.used + (usedBytes[id] ?? 0))
        }
        let items = byURL.sorted { $0.key < $1.key }.compactMap { url, sheet -> OpportunityItem? in
            let unused = max(0, sheet.length - sheet.used)
            let wasted = Self.transferShare(unused, of: sheet.length, transfer: transferBytes(url))
            guard wasted >= Self.minimumWastedBytes else { return nil }
            return OpportunityItem(url: url, wastedBytes: wasted, detail: "\(Int(unused)) of \(Int(sheet.length)) bytes in rules nothing matched")
        }
        return Self.make("unused-css-rules", "Reduce unused CSS", items)
    }

    var images: [CDPObject] { facts.page.objects("images") }

    /// Pixels sent beyond what is shown (rendered size × DPR); the bytes saved are the image's bytes in that proportion.
    var oversizedImages: Opportunity? {
        let dpr = facts.page.double("dpr") ?? 1
        var items: [OpportunityItem] = []
        for image in images {
            guard let url = image.string("url"), let naturalWidth = image.double("naturalWidth"), let naturalHeight = image.double("naturalHeight"),
                let width = image.double("width"), let height = image.double("height"), naturalWidth * naturalHeight > 0
            else { continue }
            let shownPixels = min(naturalWidth * naturalHeight, width * dpr * height * dpr)
            let ratio = 1 - shownPixels / (naturalWidth * naturalHeight)
            let wasted = ratio * transferBytes(url)
            guard wasted >= Self.minimumImageBytes else { continue }
            items.append(
                OpportunityItem(
                    url: url, wastedBytes: wasted,
                    detail: "\(Int(naturalWidth))×\(Int(naturalHeight)) shown at \(Int(width))×\(Int(height)) (DPR \(dpr))"))
        }
        return Self.make("uses-responsive-images", "Properly size images", items)
    }

    /// JPEG and PNG images re-encoded by the page's own browser as WebP at quality 0.85, as Lighthouse does.
    var modernImageFormats: Opportunity? {
        var items: [OpportunityItem] = []
        for image in images {
            guard let url = image.string("url"), let webp = image.double("webpBytes") else { continue }
            let bytes = transferBytes(url)
            let wasted = bytes - webp
            guard wasted >= Self.minimumWebPBytes else { continue }
            items.append(OpportunityItem(url: url, wastedBytes: wasted, detail: "\(Int(bytes)) bytes now, about \(Int(webp)) as WebP"))
        }
        return Self.make("modern-image-formats", "Serve images in next-gen formats", items)
    }

    static func isText(_ request: RunRecorder.Request) -> Bool {
        let mime = request.mimeType.lowercased()
        return mime.hasPrefix("text/") || mime.contains("javascript") || mime.contains("json") || mime.contains("xml") || mime.contains("svg")
    }

    /// Responses worth reading the body of for the compression check.
    static func mayCompress(_ request: RunRecorder.Request) -> Bool {
        request.status == 200 && isText(request) && (request.headers["content-encoding"] ?? "identity") == "identity"
            && request.encodedBytes > compressionMinimum
    }

    /// Text sent without Content-Encoding: the saving is what gzip (level 6, as servers commonly use) takes off.
    var textCompression: Opportunity? {
        var items: [OpportunityItem] = []
        for request in facts.requests where Self.mayCompress(request) {
            guard let body = facts.bodies[request.id], !body.isEmpty else { continue }
            let gzipped = Double(GzipDeflater.gzip(body, level: 6).count)
            let saving = Double(body.count) - gzipped
            guard saving >= Self.compressionMinimum, saving / Double(body.count) >= 0.1 else { continue }
            items.append(
                OpportunityItem(url: request.url, wastedBytes: saving, detail: "\(body.count) bytes sent uncompressed, \(Int(gzipped)) with gzip"))
        }
        return Self.make("uses-text-compression", "Enable text compression", items)
    }

    /// Seconds a response may be reused for, from Cache-Control max-age or Expires; nil without either.
    static func cacheLifetime(_ headers: [String: String]) -> Double? {
        if let control = headers["cache-control"]?.lowercased() {
            if control.contains("no-store") || control.contains("no-cache") { return 0 }
            for part in control.split(separator: ",") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=")
                if pair.count == 2, pair[0] == "max-age", let seconds = Double(pair[1]) { return seconds }
            }
        }
        if let expires = headers["expires"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            if let date = formatter.date(from: expires) { return max(0, date.timeIntervalSinceNow) }
            return 0
        }
        return nil
    }

    /// Static responses a repeat visit downloads again; the bytes are what it downloads.
    var cachePolicy: Opportunity? {
        let staticTypes: Set = ["Script", "Stylesheet", "Image", "Font", "Media"]
        var items: [OpportunityItem] = []
        for request in facts.requests where staticTypes.contains(request.resourceType) && request.status == 200 && request.url.hasPrefix("http") {
            let lifetime = Self.cacheLifetime(request.headers)
            guard (lifetime ?? 0) < Self.shortCacheSeconds else { continue }
            let detail = lifetime.map { "cached \(Int($0)) s" } ?? "no Cache-Control max-age or Expires"
            items.append(OpportunityItem(url: request.url, wastedBytes: request.encodedBytes, detail: detail))
        }
        return Self.make("uses-long-cache-ttl", "Serve static assets with an efficient cache policy", items)
    }

    /// Main-thread time over 50 ms per task, summed by the script that ran it.
    var longTaskScripts: Opportunity? {
        var byScript: [String: (count: Int, blocking: Double, total: Double)] = [:]
        for task in longTasks {
            let key = task.script.isEmpty ? (facts.finalURL ?? "document") : task.script
            let entry = byScript[key] ?? (0, 0, 0)
            byScript[key] = (entry.count + 1, entry.blocking + max(0, task.durationMs - 50), entry.total + task.durationMs)
        }
        let items = byScript.sorted { $0.value.blocking > $1.value.blocking }.map { url, entry in
            OpportunityItem(url: url, wastedMs: entry.blocking, detail: "\(entry.count) long task(s), \(Int(entry.total)) ms on the main thread")
        }
        guard !items.isEmpty else { return nil }
        return Opportunity(
            id: "long-tasks", title: "Avoid long main-thread tasks", savingsMs: items.compactMap(\.wastedMs).reduce(0, +), items: items)
    }

    /// The LCP element and the delay before its resource started loading (what preloading it would save).
    var lcpOpportunity: Opportunity? {
        guard let element = lcpElement else { return nil }
        var parts = ["element \(element.selector)"]
        if let delay = element.loadDelayMs { parts.append("load delay \(Int(delay)) ms") }
        if let duration = element.loadDurationMs { parts.append("load \(Int(duration)) ms") }
        if let render = element.renderDelayMs { parts.append("render delay \(Int(render)) ms") }
        let item = OpportunityItem(url: element.url ?? "", wastedMs: element.loadDelayMs, detail: parts.joined(separator: ", "))
        return Opportunity(id: "largest-contentful-paint-element", title: "Largest Contentful Paint element", savingsMs: element.loadDelayMs, items: [item])
    }

    /// Unused bytes of a resource as transferred bytes (compression shrinks used and unused parts alike).
    static func transferShare(_ unused: Double, of length: Double, transfer: Double) -> Double {
        guard length > 0 else { return 0 }
        return unused / length * (transfer > 0 ? transfer : length)
    }

    static func make(_ id: String, _ title: String, _ items: [OpportunityItem]) -> Opportunity? {
        guard !items.isEmpty else { return nil }
        let sorted = items.sorted { ($0.wastedBytes ?? 0) > ($1.wastedBytes ?? 0) }
        return Opportunity(id: id, title: title, savingsBytes: sorted.compactMap(\.wastedBytes).reduce(0, +), items: sorted)
    }
}

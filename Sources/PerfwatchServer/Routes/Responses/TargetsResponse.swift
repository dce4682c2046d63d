import Foundation
import PerfwatchModel

/// `GET /api/v1/targets` in Prometheus' shape (what Grafana and `promtool` read): every scrape
/// target with its labels, health (`up`, `down`, or `unknown` before its first scrape), last
/// error, time (RFC 3339) and duration (seconds) of its last scrape.
struct TargetsResponse: Encodable {
    let status = "success"
    let data: TargetsData

    struct TargetsData: Encodable {
        let activeTargets: [Target]
        let droppedTargets: [Target] = []
    }

    struct Target: Encodable {
        let discoveredLabels: [String: String]
        let labels: [String: String]
        let scrapePool: String
        let scrapeUrl: String
        let globalUrl: String
        let lastError: String
        let lastScrape: String
        let lastScrapeDuration: Double
        let health: String
        let scrapeInterval: String
        let scrapeTimeout: String
    }

    init(_ snapshot: [(target: ScrapeTarget, status: ScrapeManager.Status)]) {
        data = TargetsData(activeTargets: snapshot.map { target, status in
            var discovered = target.labels
            discovered["__address__"] = target.labels["instance"] ?? ""
            discovered["__scheme__"] = "http"
            discovered["__metrics_path__"] = URLComponents(string: target.url)?.path ?? ""
            let health = status.up.map { $0 ? "up" : "down" } ?? "unknown"
            return Target(
                discoveredLabels: discovered, labels: target.labels, scrapePool: target.job, scrapeUrl: target.url, globalUrl: target.url,
                lastError: status.lastError ?? "", lastScrape: Self.rfc3339(status.lastScrapeMs),
                lastScrapeDuration: status.lastScrapeDurationSeconds ?? 0, health: health,
                scrapeInterval: DurationText.format(milliseconds: target.intervalMs), scrapeTimeout: DurationText.format(milliseconds: target.timeoutMs))
        })
    }

    /// Prometheus answers Go's zero time before the first scrape.
    static func rfc3339(_ ms: Int64?) -> String {
        guard let ms else { return "0001-01-01T00:00:00Z" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}

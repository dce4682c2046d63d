import PerfwatchHTTPClient
import PerfwatchIngest
import PerfwatchModel

/// One scrape of one target: fetch the exposition through the process's one outbound client,
/// parse it with the Prometheus text parser (the import's limits), attach the target's labels.
/// A failure (no answer in the timeout, a status other than 200, a body over the limit, a line the
/// parser refuses) is a reason for `lastError`, never a throw.
struct TargetScraper: Sendable {
    typealias Fetch = @Sendable (ScrapeTarget, _ maxBodyBytes: Int) async -> Result<[UInt8], ScrapeFailure>

    struct ScrapeFailure: Error, Equatable {
        var reason: String
    }

    struct Outcome: Sendable {
        /// The scraped series relabelled (empty when the scrape failed).
        var points = PointBatch()
        var error: String?
        var samplesScraped = 0
    }

    let parser: PrometheusTextParser
    let maxBodyBytes: Int
    let fetch: Fetch

    init(parser: PrometheusTextParser, maxBodyBytes: Int, fetch: @escaping Fetch = TargetScraper.http) {
        self.parser = parser
        self.maxBodyBytes = maxBodyBytes
        self.fetch = fetch
    }

    func scrape(_ target: ScrapeTarget, startMs: Int64) async -> Outcome {
        let body: [UInt8]
        switch await fetch(target, maxBodyBytes) {
        case .failure(let failure): return Outcome(error: failure.reason)
        case .success(let bytes): body = bytes
        }
        do {
            let parsed = try parser.parse(body, nowMs: startMs)
            return Outcome(points: ScrapeLabels.relabel(parsed.points, for: target), samplesScraped: parsed.points.count)
        } catch let error as PerfwatchError {
            return Outcome(error: "parsing the exposition: \(error.message)")
        } catch {
            return Outcome(error: "parsing the exposition: \(error)")
        }
    }

    /// Prometheus' text format only (no OpenMetrics, no gzip: the body arrives as the parser reads it).
    static let accept = "text/plain;version=0.0.4;q=1,*/*;q=0.1"

    @Sendable static func http(_ target: ScrapeTarget, maxBodyBytes: Int) async -> Result<[UInt8], ScrapeFailure> {
        let timeoutSeconds = Double(target.timeoutMs) / 1000
        let request = OutboundRequest(
            url: target.url,
            headers: [("Accept", accept), ("X-Prometheus-Scrape-Timeout-Seconds", "\(timeoutSeconds)"), ("User-Agent", "Perfwatch")],
            timeout: .milliseconds(target.timeoutMs), maxResponseBytes: maxBodyBytes + 1)
        let response: OutboundResponse
        do throws(OutboundHTTPError) {
            response = try await OutboundHTTP.send(request)
        } catch {
            if error.kind == .timeout { return .failure(ScrapeFailure(reason: "context deadline exceeded: no answer in \(timeoutSeconds) s (\(error.peer))")) }
            return .failure(ScrapeFailure(reason: error.description))
        }
        guard response.status == 200 else {
            return .failure(ScrapeFailure(reason: "server returned HTTP status \(response.status)"))
        }
        guard response.body.count <= maxBodyBytes else {
            return .failure(ScrapeFailure(reason: "body size limit exceeded (\(maxBodyBytes) bytes)"))
        }
        return .success(response.body)
    }
}

import PerfwatchIngest
import PerfwatchModel
@testable import PerfwatchServer
import Testing

@Suite("Scraping: scrape_configs, target labels, what a scrape stores")
struct ScrapeTests {
    @Test("scrape_configs is read into jobs and targets with Prometheus' defaults")
    func configuration() throws {
        var configuration = ServerConfiguration()
        try configuration.apply(yaml: """
            scrape_configs:
              - job_name: node
                scrape_interval: 15s
                static_configs:
                  - {targets: ["127.0.0.1:9100", "db:9100"], labels: {env: prod}}
              - job_name: app
                scrape_interval: 2s
                scrape_timeout: 1500ms
                metrics_path: /internal/metrics
                honor_labels: true
                scheme: http
                static_configs: [{targets: "[::1]:8080"}]
            """, source: "perfwatch.yml")
        let jobs = configuration.scrapeConfigs
        #expect(jobs.map(\.jobName) == ["node", "app"])
        #expect(jobs[0].intervalMs == 15_000 && jobs[0].timeoutMs == 10_000 && jobs[0].metricsPath == "/metrics" && !jobs[0].honorLabels)
        #expect(jobs[1].timeoutMs == 1500 && jobs[1].honorLabels)
        let targets = jobs.flatMap(\.targets)
        #expect(targets.map(\.url) == ["http://127.0.0.1:9100/metrics", "http://db:9100/metrics", "http://[::1]:8080/internal/metrics"])
        #expect(targets[1].labels == ["job": "node", "instance": "db:9100", "env": "prod"])
        // An interval under the default timeout takes the interval as its timeout, as Prometheus does.
        try configuration.apply(yaml: "scrape_configs: [{job_name: fast, scrape_interval: 1s, static_configs: [{targets: ['a:1']}]}]")
        #expect(configuration.scrapeConfigs[0].timeoutMs == 1000)
    }

    @Test("errors name the file, the line and the field", arguments: [
        ("scrape_configs:\n  - static_configs: []\n", "perfwatch.yml:2: scrape_configs[0].job_name: required field is missing"),
        ("scrape_configs:\n  - job_name: a\n    scrape_interval: 1s\n    scrape_timeout: 2s\n    static_configs: []\n",
         "perfwatch.yml:4: scrape_configs[0].scrape_timeout: scrape timeout greater than scrape interval (2000 ms > 1000 ms)"),
        ("scrape_configs:\n  - job_name: a\n    scheme: https\n    static_configs: []\n", #"perfwatch.yml:3: scrape_configs[0].scheme: only http is supported, got "https""#),
        ("scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: [\"http://h:1/metrics\"]\n",
         #"perfwatch.yml:4: scrape_configs[0].static_configs[0].targets: target "http://h:1/metrics" must be host:port (no scheme, no path)"#),
        ("scrape_configs:\n  - job_name: a\n    static_configs:\n      - {targets: [\"h:1\"], labels: {bad-name: x}}\n",
         #"perfwatch.yml:4: scrape_configs[0].static_configs[0].labels: "bad-name" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)"#),
        ("scrape_configs:\n  - {job_name: a, static_configs: []}\n  - {job_name: a, static_configs: []}\n",
         #"perfwatch.yml:3: scrape_configs[1].job_name: job "a" is listed twice; job names must be unique"#),
        ("scrape_configs:\n  - job_name: a\n    interval: 1s\n",
         #"perfwatch.yml:3: scrape_configs[0].interval: unknown key "interval"; valid keys: job_name, scrape_interval, scrape_timeout, metrics_path, honor_labels, scheme, static_configs"#),
        ("scrape_configs:\n  - job_name: a\n    metrics_path: metrics\n    static_configs: []\n",
         #"perfwatch.yml:3: scrape_configs[0].metrics_path: must be a path starting with '/', got "metrics""#),
    ])
    func errors(yaml: String, message: String) {
        #expect(configurationError(yaml) == message)
    }

    @Test("target labels: honor_labels false keeps a colliding scraped label as exported_<name>; true keeps the scraped one")
    func targetLabels() {
        let target = ["job": "node", "instance": "h:1", "env": "prod"]
        let scraped = Labels(["job": "inner", "exported_job": "older", "cpu": "0", "env": ""])
        #expect(ScrapeLabels.attach(target, to: scraped, honorLabels: false) == Labels([
            "job": "node", "exported_exported_job": "inner", "exported_job": "older", "instance": "h:1", "cpu": "0", "env": "prod",
        ]))
        #expect(ScrapeLabels.attach(target, to: scraped, honorLabels: true) == Labels([
            "job": "inner", "exported_job": "older", "instance": "h:1", "cpu": "0", "env": "prod",
        ]))
    }

    @Test("a scrape stores the relabelled series, up/duration/samples, and stale markers for series that went away")
    func storedPoints() throws {
        let target = ScrapeTarget(job: "j", url: "http://h:1/metrics", labels: ["job": "j", "instance": "h:1"], intervalMs: 1000, timeoutMs: 1000, honorLabels: false)
        let parsed = try PrometheusTextParser().parse(Array("# TYPE a counter\na{x=\"1\"} 5\nb 2\n".utf8), nowMs: 1_795_000_000_000)
        let first = TargetScraper.Outcome(points: ScrapeLabels.relabel(parsed.points, for: target), samplesScraped: 2)
        var previous: [SeriesKey: PointBatch.Series] = [:]
        let stored = ScrapeManager.points(first, of: target, previous: &previous, atMs: 1000, durationSeconds: 0.25).points
        let byName = Dictionary(stored.map { ($0.series.metric, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byName["a"]?.series.labels == Labels(["x": "1", "job": "j", "instance": "h:1"]))
        #expect(byName["a"]?.kind == .counter)
        #expect(byName["up"]?.sample == Sample(timeMs: 1000, value: 1))
        #expect(byName["scrape_duration_seconds"]?.sample.value == 0.25)
        #expect(byName["scrape_samples_scraped"]?.sample.value == 2)
        #expect(byName["up"]?.series.labels == Labels(["job": "j", "instance": "h:1"]))
        // The next scrape fails: up 0, and both scraped series get the stale marker at its time.
        let failed = ScrapeManager.points(TargetScraper.Outcome(error: "server returned HTTP status 404"), of: target, previous: &previous, atMs: 2000, durationSeconds: 0.01)
        let stale = failed.points.filter { $0.sample.value.bitPattern == 0x7ff0_0000_0000_0002 }
        #expect(Set(stale.map(\.series.metric)) == ["a", "b"])
        #expect(stale.allSatisfy { $0.sample.timeMs == 2000 })
        #expect(failed.points.first { $0.series.metric == "up" }?.sample.value == 0)
        #expect(failed.points.first { $0.series.metric == "scrape_samples_scraped" }?.sample.value == 0)
        #expect(previous.isEmpty)
        // No marker twice.
        let again = ScrapeManager.points(TargetScraper.Outcome(error: "x"), of: target, previous: &previous, atMs: 3000, durationSeconds: 0.01)
        #expect(again.points.allSatisfy { !$0.sample.value.isNaN })
    }
}

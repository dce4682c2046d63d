import Hummingbird
import PerfwatchForwarding
import PerfwatchIngest
import PerfwatchModel
import PerfwatchQuery
import PerfwatchStorage

/// Health, readiness, self-metrics and the overview tiles.
struct OpsRoutes {
    let components: ServerComponents

    func register(on router: Router<AppRequestContext>) {
        router.get("/healthz") { _, _ in try Response.json(ProbeStatus.ok) }
        router.get("/readyz") { _, _ in try await self.ready() }
        router.get("/metrics") { _, _ in await self.selfMetrics() }
        router.get("/api/v1/overview") { _, _ in try await self.overview() }
        for path in ["/healthz", "/readyz", "/metrics", "/api/v1/overview"] {
            router.rejectOtherMethods(RouterPath(path), allowed: [.get])
        }
    }

    func ready() async throws -> Response {
        if components.pipeline.isOverloaded {
            return ErrorMiddleware<AppRequestContext>.response(for: PerfwatchError(.overloaded, "ingest queue is more than half full"))
        }
        return try .json(ProbeStatus.ready)
    }

    func selfMetrics() async -> Response {
        let snapshot = components.statistics.snapshot
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ lines: [String]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for line in lines { text += line + "\n" }
        }
        metric("perfwatch_ingested_samples_total", "counter", "Samples committed to storage.",
               ["perfwatch_ingested_samples_total \(snapshot.ingestedSamples)"])
        metric("perfwatch_ingested_spans_total", "counter", "Spans committed to storage.",
               ["perfwatch_ingested_spans_total \(snapshot.ingestedSpans)"])
        let reasons = snapshot.rejectedByReason.keys.sorted()
        metric("perfwatch_rejected_samples_total", "counter", "Items refused at ingest, by reason.",
               reasons.isEmpty ? ["perfwatch_rejected_samples_total{reason=\"none\"} 0"]
                   : reasons.map { "perfwatch_rejected_samples_total{reason=\"\($0)\"} \(snapshot.rejectedByReason[$0]!)" })
        metric("perfwatch_queue_depth", "gauge", "Points waiting for a commit.", ["perfwatch_queue_depth \(snapshot.queueDepth)"])
        metric("perfwatch_overload_refusals_total", "counter", "Requests refused because the queue was full.",
               ["perfwatch_overload_refusals_total \(snapshot.overloadRefusals)"])
        metric("perfwatch_commit_failures_total", "counter", "Group commits that failed.",
               ["perfwatch_commit_failures_total \(snapshot.commitFailures)"])
        var buckets: [String] = []
        for (index, bound) in IngestStatistics.commitBuckets.enumerated() {
            buckets.append("perfwatch_commit_duration_seconds_bucket{le=\"\(bound)\"} \(snapshot.commitBucketCounts[index])")
        }
        buckets.append("perfwatch_commit_duration_seconds_bucket{le=\"+Inf\"} \(snapshot.commits)")
        buckets.append("perfwatch_commit_duration_seconds_sum \(snapshot.commitSecondsSum)")
        buckets.append("perfwatch_commit_duration_seconds_count \(snapshot.commits)")
        metric("perfwatch_commit_duration_seconds", "histogram", "Duration of group commits.", buckets)
        metric("perfwatch_storage_bytes", "gauge", "Bytes used by the store on disk.",
               ["perfwatch_storage_bytes \(components.store.storageBytes())"])
        metric("perfwatch_series", "gauge", "Known series.", ["perfwatch_series \(components.store.allSeries().count)"])
        metric("perfwatch_event_stream_subscribers", "gauge", "Open live-update streams.",
               ["perfwatch_event_stream_subscribers \(components.broadcaster.subscriberCount)"])
        if let forwarding = components.forwarding { text += await forwarding.metricsText() }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: .init(string: text)))
    }

    struct Tile {
        let id: String
        let label: String
        let metric: String
        let unit: String
        let warn: Double
        let crit: Double
    }

    static let tiles = [
        Tile(id: "cpu", label: "CPU", metric: "system.cpu.percent", unit: "%", warn: 70, crit: 90),
        Tile(id: "memory", label: "Memory", metric: "system.memory.percent", unit: "%", warn: 80, crit: 90),
        Tile(id: "disk", label: "Disk", metric: "system.disk.used_percent", unit: "%", warn: 80, crit: 90),
        Tile(id: "ingest", label: "Ingest rate", metric: "perfwatch.ingest.rate", unit: "samples/s", warn: .infinity, crit: .infinity),
    ]

    func overview() async throws -> Response {
        let now = TimeParsing.nowMs()
        var tiles: [OverviewResponse.Tile] = []
        for tile in Self.tiles {
            let result = try await components.queryEngine.execute(
                MetricQuery(metric: tile.metric, stat: .last, from: now - 60_000, to: now), nowMs: now)
            let value = result.series.first?.points.first?.value
            let status: String
            if let value {
                status = value >= tile.crit ? "crit" : value >= tile.warn ? "warn" : "ok"
            } else {
                status = "unknown"
            }
            tiles.append(
                OverviewResponse.Tile(
                    id: tile.id, label: tile.label, metric: tile.metric, value: value.map { ($0 * 10).rounded() / 10 }, unit: tile.unit,
                    status: status, warn: tile.warn.isFinite ? tile.warn : nil, crit: tile.crit.isFinite ? tile.crit : nil))
        }
        return try .json(OverviewResponse(time: now, tiles: tiles))
    }
}

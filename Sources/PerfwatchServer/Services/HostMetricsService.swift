import Logging
import PerfwatchIngest
import PerfwatchModel
import PerfwatchStorage
import ServiceLifecycle

/// Records host and self metrics every interval as ordinary gauges (`system.*`, `process.*`,
/// `perfwatch.*`), so a fresh install is never empty and "system health" has data.
struct HostMetricsService: Service {
    let components: ServerComponents
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var previousCPU = HostProbe.cpuTimes()
        var previousProcessCPU = HostProbe.processCPUSeconds()
        var previousIngested = components.statistics.snapshot.ingestedSamples
        let clock = ContinuousClock()
        var previousTime = clock.now
        // First sample soon after start, so the overview fills within seconds.
        var wait: Duration = .seconds(1)
        while !Task.isShuttingDownGracefully {
            let delay = wait
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) } } catch { return }
            wait = interval
            let now = TimeParsing.nowMs()
            let elapsed = clock.now - previousTime
            previousTime = clock.now
            let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            var points = PointBatch()
            func record(_ name: String, _ value: Double?, unit: String, kind: MetricKind) {
                guard let value, value.isFinite else { return }
                points.append(
                    MetricPoint(
                        series: SeriesKey(metric: name, labels: Labels()), kind: kind, temporality: .cumulative, unit: unit,
                        sample: Sample(timeMs: now, value: value)))
            }
            func gauge(_ name: String, _ value: Double?, unit: String) { record(name, value, unit: unit, kind: .gauge) }
            func counter(_ name: String, _ value: Double?, unit: String) { record(name, value, unit: unit, kind: .counter) }
            if let cpu = HostProbe.cpuTimes(), let previous = previousCPU, cpu.total > previous.total {
                gauge("system.cpu.percent", Double(cpu.busy - previous.busy) / Double(cpu.total - previous.total) * 100, unit: "%")
                previousCPU = cpu
            }
            gauge("system.memory.percent", HostProbe.memoryPercent(), unit: "%")
            gauge("system.disk.used_percent", HostProbe.diskUsedPercent(path: components.configuration.dataDirectory), unit: "%")
            if let network = HostProbe.networkBytes() {
                counter("system.network.receive_bytes", network.received, unit: "bytes")
                counter("system.network.transmit_bytes", network.transmitted, unit: "bytes")
            }
            gauge("process.memory.rss_bytes", HostProbe.processRSSBytes(), unit: "bytes")
            if let cpuSeconds = HostProbe.processCPUSeconds(), let previous = previousProcessCPU, elapsedSeconds > 0 {
                gauge("process.cpu.percent", (cpuSeconds - previous) / elapsedSeconds * 100, unit: "%")
                previousProcessCPU = cpuSeconds
            }
            let ingested = components.statistics.snapshot.ingestedSamples
            if elapsedSeconds > 0 {
                // Saturating: our own points may not have been stored (disk full), and then
                // the count did not move as far as `previousIngested` assumed.
                let delta = ingested >= previousIngested ? ingested - previousIngested : 0
                gauge("perfwatch.ingest.rate", Double(delta) / elapsedSeconds, unit: "samples/s")
            }
            gauge("perfwatch.storage.bytes", Double(components.store.storageBytes()), unit: "bytes")
            // Items refused at ingest so far, cumulative (the IngestRejections alert rule takes its rate).
            counter("perfwatch.ingest.rejected", Double(components.statistics.snapshot.rejectedByReason.values.reduce(0, +)), unit: "items")
            // The next rate leaves out these points of our own.
            previousIngested = ingested
            do {
                let receipt = try await components.pipeline.submit(points)
                previousIngested = ingested + UInt64(receipt.stored)
            } catch {
                logger.warning("could not record host metrics", metadata: ["error": "\(error)"])
            }
        }
    }
}

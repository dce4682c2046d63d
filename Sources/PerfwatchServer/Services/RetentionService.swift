import Logging
import PerfwatchModel
import PerfwatchStorage
import ServiceLifecycle

/// Deletes data past its resolution's retention, on an interval.
struct RetentionService: Service {
    let store: any MetricStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                let report = try await store.applyRetention(nowMs: TimeParsing.nowMs())
                if report.deletedChunks + report.deletedBuckets > 0 {
                    logger.info("retention pass", metadata: ["chunks": "\(report.deletedChunks)", "buckets": "\(report.deletedBuckets)"])
                }
            } catch {
                logger.error("retention pass failed", metadata: ["error": "\(error)"])
            }
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch { return }
        }
    }
}

import Logging
import ServiceLifecycle

/// Folds the store's write-ahead log into the database on an interval, so the data directory
/// of a running server is about what a stopped one leaves (issue 15 #19; the store's side and
/// why are in `EmbeddedStore+WAL.swift`). A checkpoint that a long query keeps from finishing
/// is tried again at the next tick.
struct WALCheckpointService: Service {
    let checkpoint: @Sendable () async throws -> Void
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch { return }
            do {
                try await checkpoint()
            } catch {
                logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

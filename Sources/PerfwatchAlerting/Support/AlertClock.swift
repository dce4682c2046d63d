internal import Foundation

/// Time as alerting sees it: wall-clock unix milliseconds for timestamps, and sleeping.
/// Injected so tests drive time explicitly and run fast.
public protocol AlertClock: Sendable {
    /// Current wall-clock time, unix ms.
    func now() -> Int64
    /// Sleeps; throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real clock.
public struct SystemAlertClock: AlertClock {
    public init() {}
    public func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

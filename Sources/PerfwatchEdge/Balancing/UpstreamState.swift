import Foundation

/// What the balancer knows of one upstream instance. Plain value: `UpstreamPool` keeps the
/// array under a lock; `Balancer` and `OutlierEjection` are pure functions over it.
public struct UpstreamState: Sendable, Equatable {
    public let url: String
    /// 0...100 from the policy's `weights` (absent = 100); 0 = no traffic.
    public var weight = 100
    public var inFlight = 0
    /// Peak-EWMA latency in ms (0 before the first answer).
    public var ewmaMs = 0.0
    var ewmaAtMs: Int64 = 0
    public var requests = 0
    public var errors = 0
    /// Active health: false after `unhealthy_after` failed checks.
    public var healthy = true
    var healthStreak = 0
    /// Passive ejection (`OutlierEjection`).
    var consecutiveFailures = 0
    var ejectedUntilMs: Int64 = 0
    var ejections = 0
    /// Smooth weighted round robin's running score (nginx's algorithm).
    var currentWeight = 0

    public init(url: String) { self.url = url }

    public func isEjected(nowMs: Int64) -> Bool { ejectedUntilMs > nowMs }

    func isAvailable(nowMs: Int64) -> Bool { weight > 0 && healthy && !isEjected(nowMs: nowMs) }

    /// P2C-EWMA's cost: latency scaled by the load it already carries.
    var cost: Double { ewmaMs * Double(inFlight + 1) }

    /// Peak EWMA (Finagle): a slower answer than the average takes over at once; faster ones
    /// pull it down with a decay over `decayMs`, so one slow instance is avoided immediately and
    /// tried again as it recovers.
    public mutating func observeLatency(_ latencyMs: Double, nowMs: Int64, decayMs: Double = 10_000) {
        if ewmaMs == 0 || latencyMs > ewmaMs {
            ewmaMs = latencyMs
        } else {
            let elapsed = Double(max(0, nowMs - ewmaAtMs))
            let keep = exp(-elapsed / decayMs)
            ewmaMs = ewmaMs * keep + latencyMs * (1 - keep)
        }
        ewmaAtMs = nowMs
    }
}

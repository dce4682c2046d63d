/// Passive outlier ejection: `threshold` consecutive failures (5xx or no connection) take an
/// upstream out for a back-off that doubles with each ejection in a row, up to `maxMs`; a
/// success resets the streak and, once back in, the back-off.
public struct OutlierEjection: Sendable, Equatable {
    public var threshold = 5
    public var baseMs: Int64 = 5_000
    public var maxMs: Int64 = 300_000

    public init() {}

    /// Records one answer (or failure) of `upstream`; returns whether it was ejected just now.
    @discardableResult
    public func record(failure: Bool, on upstream: inout UpstreamState, nowMs: Int64) -> Bool {
        guard failure else {
            upstream.consecutiveFailures = 0
            if !upstream.isEjected(nowMs: nowMs) { upstream.ejections = 0 }
            return false
        }
        upstream.consecutiveFailures += 1
        guard upstream.consecutiveFailures >= threshold, !upstream.isEjected(nowMs: nowMs) else { return false }
        let backOff = min(maxMs, baseMs << min(Int64(upstream.ejections), 20))
        upstream.ejectedUntilMs = nowMs + backOff
        upstream.ejections += 1
        upstream.consecutiveFailures = 0
        return true
    }
}

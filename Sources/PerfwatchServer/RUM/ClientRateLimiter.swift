import Foundation
import Synchronization

/// A token bucket per client address: `ratePerSecond` sustained, `burst` saved up. One flooding
/// address is refused (429) while every other client keeps its own budget. The table is
/// bounded; the longest-idle addresses are forgotten first.
final class ClientRateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private let ratePerSecond: Double
    private let burst: Double
    private let maxClients: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    init(ratePerSecond: Double, burst: Double, maxClients: Int = 50_000) {
        self.ratePerSecond = ratePerSecond
        self.burst = max(1, burst)
        self.maxClients = maxClients
    }

    /// Takes one token for `client`; false when its bucket is empty.
    func allow(_ client: String, now: Double = ProcessInfo.processInfo.systemUptime) -> Bool {
        buckets.withLock { buckets in
            var bucket = buckets[client] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * ratePerSecond)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            if buckets[client] == nil, buckets.count >= maxClients {
                // Full buckets carry no state worth keeping: drop those first, else the oldest.
                let idle = buckets.filter { min(burst, $0.value.tokens + (now - $0.value.updated) * ratePerSecond) >= burst }
                if !idle.isEmpty { for key in idle.keys { buckets[key] = nil } } else if let oldest = buckets.min(by: { $0.value.updated < $1.value.updated }) {
                    buckets[oldest.key] = nil
                }
            }
            buckets[client] = bucket
            return allowed
        }
    }
}

public import PerfwatchModel

/// Cache lookups and their outcome, read from cache spans (see `SpanCategory`): a span counts
/// as a hit or a miss from `cache.hit` (`true`/`false`/`1`/`0`), or `cache.result` /
/// `cache.status` (`hit`/`miss`). Cache spans without any of these (writes, deletes, or
/// instrumentations that do not record the outcome) are not counted.
public struct CacheHitRatio: Sendable, Equatable {
    public var hits = 0
    public var misses = 0
    /// Mean entry duration of sampled traces with at least one miss, and with only hits.
    public var missTraceMs = 0.0
    public var hitTraceMs = 0.0
    var missTraces = 0
    var hitTraces = 0

    public init() {}

    public var lookups: Int { hits + misses }
    public var ratio: Double { lookups > 0 ? Double(hits) / Double(lookups) : 1 }

    /// nil when the span records no lookup outcome.
    public static func outcome(of span: Span) -> Bool? {
        guard SpanCategory.of(span) == .cache else { return nil }
        if let value = span.attributes["cache.hit"]?.lowercased() {
            if value == "true" || value == "1" { return true }
            if value == "false" || value == "0" { return false }
        }
        for key in ["cache.result", "cache.status"] {
            if let value = span.attributes[key]?.lowercased() {
                if value == "hit" { return true }
                if value == "miss" { return false }
            }
        }
        return nil
    }

    /// Adds one trace's lookups (the entry span's duration feeds the miss/hit trace means).
    public mutating func add(trace spans: [Span], entryMs: Double) {
        var traceHits = 0
        var traceMisses = 0
        for span in spans {
            switch Self.outcome(of: span) {
            case true?: traceHits += 1
            case false?: traceMisses += 1
            case nil: break
            }
        }
        hits += traceHits
        misses += traceMisses
        if traceMisses > 0 {
            missTraceMs = (missTraceMs * Double(missTraces) + entryMs) / Double(missTraces + 1)
            missTraces += 1
        } else if traceHits > 0 {
            hitTraceMs = (hitTraceMs * Double(hitTraces) + entryMs) / Double(hitTraces + 1)
            hitTraces += 1
        }
    }
}

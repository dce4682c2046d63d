public import PerfwatchModel

/// Where a span's own time goes: database, outbound HTTP, cache, or the application itself.
public enum SpanCategory: String, Sendable, CaseIterable {
    case database, http, cache
    case application = "self"

    /// Cache systems reported as `db.system` by Redis and Memcached instrumentations.
    static let cacheSystems: Set<String> = ["redis", "memcached", "valkey", "hazelcast"]

    /// Nil for spans that are the application's own work (SERVER, INTERNAL, unknown CLIENT spans).
    /// - cache: `db.system` is a cache system, or any `cache.*` attribute;
    /// - database: any other `db.system` (`db.system.name` in newer conventions);
    /// - http: a CLIENT span with `http.request.method`/`http.method`/`url.full`/`http.url`.
    public static func of(_ span: Span) -> SpanCategory? {
        let system = span.attributes["db.system"] ?? span.attributes["db.system.name"]
        if let system, cacheSystems.contains(system.lowercased()) { return .cache }
        if span.attributes.keys.contains(where: { $0.hasPrefix("cache.") }) { return .cache }
        if system != nil { return .database }
        if span.kind == .client,
            span.attributes["http.request.method"] ?? span.attributes["http.method"] ?? span.attributes["url.full"]
                ?? span.attributes["http.url"] != nil
        {
            return .http
        }
        return nil
    }
}

/// The critical path of a trace: the chain of spans that determined its end time. Walking
/// back from the entry span's end, the child that finished last (clipped to where the walk
/// is) is on the path; the walk descends into it, then continues before its start. Time not
/// covered by a child on the path is the parent's own time. Parallel children that finished
/// earlier are off the path, so overlapping calls are not counted twice.
///
/// Each segment's time is attributed to the span's category, or — for uncategorized spans
/// below a categorized one (the downstream service's own spans under an HTTP call) — to the
/// nearest categorized ancestor's: the caller waited on that dependency.
public enum CriticalPath {
    public struct Segment: Sendable, Equatable {
        public var spanID: String
        public var service: String
        public var name: String
        public var category: SpanCategory
        /// Own time on the path, in ms.
        public var ms: Double
    }

    /// Segments in time order; their times add up to the entry span's duration.
    public static func of(_ spans: [Span], entry: Span) -> [Segment] {
        var children: [String: [Span]] = [:]
        for span in spans where !span.parentSpanID.isEmpty { children[span.parentSpanID, default: []].append(span) }
        for key in children.keys { children[key]!.sort { $0.startNs + $0.durationNs > $1.startNs + $1.durationNs } }
        var segments: [Segment] = []
        var visited: Set<String> = []

        // Built in reverse time order, reversed at the end.
        func walk(_ span: Span, until end: Int64, inherited: SpanCategory?, depth: Int) {
            guard visited.insert(span.spanID).inserted, depth < 200 else { return }
            let category = SpanCategory.of(span) ?? inherited
            var cursor = min(span.startNs + span.durationNs, end)
            var own: Int64 = 0
            for child in children[span.spanID] ?? [] where child.startNs < cursor && child.startNs >= span.startNs {
                let childEnd = min(child.startNs + child.durationNs, cursor)
                guard childEnd > child.startNs else { continue }
                own += cursor - childEnd
                if own > 0 { flush(span, category, &own) }
                walk(child, until: childEnd, inherited: category, depth: depth + 1)
                cursor = child.startNs
            }
            own += max(0, cursor - span.startNs)
            flush(span, category, &own)
        }

        func flush(_ span: Span, _ category: SpanCategory?, _ own: inout Int64) {
            guard own > 0 else { return }
            let ms = Double(own) / 1e6
            own = 0
            if let last = segments.last, last.spanID == span.spanID {
                segments[segments.count - 1].ms += ms
            } else {
                segments.append(Segment(spanID: span.spanID, service: span.service, name: span.name, category: category ?? .application, ms: ms))
            }
        }

        walk(entry, until: entry.startNs + entry.durationNs, inherited: nil, depth: 0)
        return segments.reversed()
    }

    /// The trace's entry span for `route`: its first SERVER span with that route (or name),
    /// else the root, else the earliest span.
    public static func entry(of spans: [Span], route: String?) -> Span? {
        let servers = spans.filter { $0.kind == .server }.sorted { $0.startNs < $1.startNs }
        if let route, let match = servers.first(where: { $0.route == route || $0.attributes["http.route"] == route || $0.name.hasSuffix(" " + route) }) {
            return match
        }
        let ids = Set(spans.map(\.spanID))
        return spans.filter { $0.parentSpanID.isEmpty || !ids.contains($0.parentSpanID) }.min { $0.startNs < $1.startNs }
            ?? spans.min { $0.startNs < $1.startNs }
    }
}

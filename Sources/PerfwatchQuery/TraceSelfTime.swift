public import PerfwatchModel

/// Where the time of each span of one trace went: its self time is its duration minus the union
/// of its children's time inside it, so parallel children count once and a child that outlives
/// its parent counts only up to the parent's end. The waterfall shows it per span.
public enum TraceSelfTime {
    /// The self time of each of `spans` (one trace, any order), in milliseconds, in the order given.
    public static func milliseconds(of spans: [Span]) -> [Double] {
        var children: [String: [Span]] = [:]
        for span in spans where !span.parentSpanID.isEmpty { children[span.parentSpanID, default: []].append(span) }
        return spans.map { milliseconds(of: $0, children: children[$0.spanID] ?? []) }
    }

    /// The self time of `span` given its direct `children`, in milliseconds.
    public static func milliseconds(of span: Span, children: [Span]) -> Double {
        let start = span.startNs
        let end = span.startNs + span.durationNs
        let intervals = children.map { (max($0.startNs, start), min($0.startNs + $0.durationNs, end)) }.filter { $0.0 < $0.1 }
            .sorted { $0.0 < $1.0 }
        var covered: Int64 = 0
        var cursor = start
        for (childStart, childEnd) in intervals where childEnd > cursor {
            covered += childEnd - max(childStart, cursor)
            cursor = childEnd
        }
        return Double(span.durationNs - covered) / 1e6
    }
}

public import PerfwatchModel

/// Sequential calls that could run concurrently: sibling spans (same parent) to different
/// targets, each at least `minCallMs`, each starting after the previous one ended with at most
/// `maxGapMs` between them. A gap that short leaves no time to compute the next call's input
/// from the previous call's answer — the only data-dependency signal a trace carries. Calls
/// to the same target are not chained (that is an N+1, its own issue type).
/// Running them concurrently saves sum − max of their durations.
/// Limits: a dependency carried without a gap (the second call uses an id the first returned,
/// looked up instantly) cannot be seen in timing; the recommendation says to check.
public struct ParallelizableCalls: Sendable {
    public struct Chain: Sendable, Equatable {
        /// "category target" of each call, in order.
        public var calls: [String]
        public var durationsMs: [Double]
        public var savingMs: Double { durationsMs.reduce(0, +) - (durationsMs.max() ?? 0) }
    }

    public var minCallMs = 5.0
    public var maxGapMs = 5.0

    public init() {}

    /// What a call talks to: the query fingerprint or statement, the HTTP host and route, or the span name.
    static func target(_ span: Span, _ category: SpanCategory) -> String {
        switch category {
        case .database:
            let statement = span.dbFingerprint.isEmpty ? (span.attributes["db.statement"] ?? span.attributes["db.query.text"] ?? span.name) : span.dbFingerprint
            return "db \(statement)"
        case .http:
            let host = span.attributes["server.address"] ?? span.attributes["net.peer.name"] ?? ""
            return "http \(host) \(span.attributes["url.template"] ?? span.attributes["http.route"] ?? span.name)"
        case .cache, .application:
            return "\(category.rawValue) \(span.name) \(span.attributes["server.address"] ?? "")"
        }
    }

    /// The chain with the largest saving in the trace, if any has two or more calls.
    public func bestChain(in spans: [Span]) -> Chain? {
        var byParent: [String: [(span: Span, category: SpanCategory)]] = [:]
        for span in spans where !span.parentSpanID.isEmpty && span.durationMs >= minCallMs {
            guard let category = SpanCategory.of(span) else { continue }
            byParent[span.parentSpanID, default: []].append((span, category))
        }
        var best: Chain? = nil
        for (_, calls) in byParent where calls.count >= 2 {
            let ordered = calls.sorted { $0.span.startNs < $1.span.startNs }
            var current: [(span: Span, target: String)] = []
            func close() {
                if current.count >= 2 {
                    let chain = Chain(calls: current.map(\.target), durationsMs: current.map(\.span.durationMs))
                    if chain.savingMs > (best?.savingMs ?? 0) { best = chain }
                }
            }
            for (span, category) in ordered {
                let target = Self.target(span, category)
                if let previous = current.last {
                    let previousEnd = previous.span.startNs + previous.span.durationNs
                    let gapMs = Double(span.startNs - previousEnd) / 1e6
                    if gapMs < 0 || gapMs > maxGapMs || current.contains(where: { $0.target == target }) {
                        close()
                        // Start again from this call, keeping the previous one if it can still lead.
                        current = gapMs >= 0 && gapMs <= maxGapMs && previous.target != target ? [previous] : []
                    }
                }
                current.append((span, target))
            }
            close()
        }
        return best
    }
}

import PerfwatchEdge

/// The edge's byte-level fast path (issue 16): every request head a client sends and every response
/// head and chunked body an upstream sends goes through these scanners before anything else.
extension FuzzTarget {
    static let edgeTargets: [FuzzTarget] = [
        FuzzTarget(name: "edge-heads") { input in EdgeHeadFuzzing.run(input) }
    ]
}

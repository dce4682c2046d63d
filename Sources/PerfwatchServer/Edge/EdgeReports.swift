/// The last report of each edge, with when it arrived. Bounded: past `maxEdges` names the one
/// heard from longest ago is forgotten, so a client inventing names cannot grow it without end.
struct EdgeReports: Sendable {
    struct Entry: Sendable {
        var report: EdgeReport
        var receivedMs: Int64
    }

    static let maxEdges = 1000
    private(set) var byEdge: [String: Entry] = [:]

    mutating func record(_ report: EdgeReport, atMs: Int64) {
        byEdge[report.edge] = Entry(report: report, receivedMs: atMs)
        if byEdge.count > Self.maxEdges, let oldest = byEdge.min(by: { $0.value.receivedMs < $1.value.receivedMs })?.key {
            byEdge.removeValue(forKey: oldest)
        }
    }

    /// Edges that reported within `windowMs` of `nowMs`.
    func connected(nowMs: Int64, windowMs: Int64) -> [Entry] {
        byEdge.values.filter { nowMs - $0.receivedMs <= windowMs }
    }

    /// Whether every connected edge runs `version` or later (true when none is connected).
    func allConnectedRun(atLeast version: Int64, nowMs: Int64, windowMs: Int64) -> Bool {
        connected(nowMs: nowMs, windowMs: windowMs).allSatisfy { $0.report.policyVersion >= version }
    }

    /// Newest report first.
    var entries: [Entry] { byEdge.values.sorted { ($0.receivedMs, $0.report.edge) > ($1.receivedMs, $1.report.edge) } }
}

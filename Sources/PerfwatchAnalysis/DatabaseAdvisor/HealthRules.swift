/// The database's health against fixed bars: shared-buffer hit ratios against 99%, connections
/// against `max_connections` with a pool size from the concurrency Perfwatch saw in traces,
/// queries running for over a minute, lock waits, and tables whose dead tuples are over 20% of
/// their rows (and over 10k: small tables churn harmlessly).
enum HealthRules {
    static let hitRatioTarget = 0.99
    static let longRunningMs = 60_000.0
    static let bloatShare = 0.2
    static let bloatMinDead: Int64 = 10_000
    /// Connections above this share of `max_connections` leave too little headroom.
    static let connectionHeadroom = 0.8
    /// A pool sized to the observed peak plus this margin absorbs bursts.
    static let poolMargin = 1.25

    static func report(_ health: DatabaseHealth, tables: [TableStats], peakConcurrency: Int?) -> DatabaseAdvisorReport.HealthReport {
        DatabaseAdvisorReport.HealthReport(
            heapHitRatio: health.heapHitRatio, indexHitRatio: health.indexHitRatio, connectionsByState: health.connectionsByState,
            maxConnections: health.maxConnections,
            poolAdvice: poolAdvice(connectionsByState: health.connectionsByState, maxConnections: health.maxConnections, peakConcurrency: peakConcurrency),
            longRunning: health.longRunning.filter { $0.durationMs > longRunningMs }, lockWaits: health.lockWaits,
            bloatedTables: tables.filter(isBloated))
    }

    static func isBloated(_ table: TableStats) -> Bool {
        let total = table.liveTuples + table.deadTuples
        return table.deadTuples > bloatMinDead && total > 0 && Double(table.deadTuples) / Double(total) > bloatShare
    }

    static func isLow(_ ratio: Double?) -> Bool { ratio.map { $0 < hitRatioTarget } ?? false }

    /// nil when the connections are fine for what the application does.
    static func poolAdvice(connectionsByState: [String: Int], maxConnections: Int, peakConcurrency: Int?) -> String? {
        let open = connectionsByState.values.reduce(0, +)
        let idle = connectionsByState["idle", default: 0]
        let idleInTransaction = connectionsByState["idle in transaction", default: 0] + connectionsByState["idle in transaction (aborted)", default: 0]
        var advice: [String] = []
        if maxConnections > 0 && Double(open) > connectionHeadroom * Double(maxConnections) {
            advice.append(
                "\(open) of max_connections \(maxConnections) connections are open: put a pooler (PgBouncer in transaction mode) in front or shrink the application pools")
        }
        if let peak = peakConcurrency, peak > 0 {
            let size = Int((Double(peak) * poolMargin).rounded(.up))
            if open > 2 * size && idle > open / 2 {
                advice.append("traces show at most \(peak) queries in flight, yet \(open) connections are open (\(idle) idle): a pool of \(size) in total is enough")
            } else if open < peak {
                advice.append("traces show \(peak) queries in flight but only \(open) connections: requests wait for a connection; size the pool to \(size)")
            }
        }
        if idleInTransaction > 0 {
            advice.append("\(idleInTransaction) connections are idle in a transaction: they hold locks and snapshots; commit promptly or set idle_in_transaction_session_timeout")
        }
        guard !advice.isEmpty else { return nil }
        let text = advice.joined(separator: "; ")
        return text.prefix(1).uppercased() + text.dropFirst() + "."
    }
}

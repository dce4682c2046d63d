public import PerfwatchModel

/// Alert history (`performance_alerts`): every transition and acknowledgement.
public protocol AlertHistoryStore: Sendable {
    func recordAlertHistory(_ records: [AlertHistoryRecord]) async throws
    /// Records in `[from, to]`, newest first, optionally of one kind.
    func alertHistory(from: Int64, to: Int64, kind: String?, limit: Int) async throws -> [AlertHistoryRecord]
}

public import PerfwatchModel

/// Alert history (`performance_alerts`): every transition and acknowledgement.
public protocol AlertHistoryStore: Sendable {
    func recordAlertHistory(_ records: [AlertHistoryRecord]) async throws
    /// Records in `[from, to]`, newest first, optionally of one kind.
    func alertHistory(from: Int64, to: Int64, kind: String?, limit: Int) async throws -> [AlertHistoryRecord]
}

/// An alert rule created through `/api/v1/alert-rules`: the rule as JSON with rule-file field
/// names (the alerting target owns its schema; storage keeps it opaque).
public struct StoredAlertRule: Sendable, Equatable {
    public var name: String
    public var group: String
    public var intervalMs: Int64
    public var ruleJSON: String
    public var createdMs: Int64
    public var updatedMs: Int64

    public init(name: String, group: String, intervalMs: Int64, ruleJSON: String, createdMs: Int64, updatedMs: Int64) {
        self.name = name
        self.group = group
        self.intervalMs = intervalMs
        self.ruleJSON = ruleJSON
        self.createdMs = createdMs
        self.updatedMs = updatedMs
    }
}

/// What alerting keeps across restarts: API-managed rules, silences (as JSON, with their end
/// so expired ones can be dropped), and named runtime snapshots (alert instances with their
/// acknowledgements, notification groups with what was sent and which escalation steps ran).
public protocol AlertStateStore: Sendable {
    /// API rules, by name.
    func alertRules() async throws -> [StoredAlertRule]
    /// Inserts or replaces the rule with that name.
    func saveAlertRule(_ rule: StoredAlertRule) async throws
    /// `false` when no rule had that name.
    func deleteAlertRule(name: String) async throws -> Bool

    /// Silences ending after `nowMs`, as stored JSON; expired ones are deleted.
    func silences(nowMs: Int64) async throws -> [String]
    func saveSilence(id: String, json: String, endsMs: Int64) async throws
    func deleteSilence(id: String) async throws

    /// A runtime snapshot by name (`evaluator`, `notifications`), `nil` before the first save.
    func alertRuntimeState(_ name: String) async throws -> String?
    func saveAlertRuntimeState(_ name: String, json: String, atMs: Int64) async throws
}

/// Everything alerting stores.
public typealias AlertingStore = AlertHistoryStore & AlertStateStore

/// One stored lab audit (issue 20): the audit report's JSON as it was posted, plus the columns
/// the history is read by. The server checks the report before it is stored; the store keeps it as it is.
public struct StoredAudit: Sendable, Equatable {
    public var id: Int64
    public var url: String
    public var device: String
    public var score: Double
    public var startedMs: Int64
    public var json: String

    public init(id: Int64, url: String, device: String, score: Double, startedMs: Int64, json: String) {
        self.id = id
        self.url = url
        self.device = device
        self.score = score
        self.startedMs = startedMs
        self.json = json
    }
}

/// A named definition kept as checked JSON: a synthetic check or a report schedule made
/// through the API (the server's file defines the others and is not stored).
public struct StoredLabDefinition: Sendable, Equatable {
    public var name: String
    public var json: String
    public var createdMs: Int64
    public var updatedMs: Int64

    public init(name: String, json: String, createdMs: Int64, updatedMs: Int64) {
        self.name = name
        self.json = json
        self.createdMs = createdMs
        self.updatedMs = updatedMs
    }
}

/// The two kinds of stored definitions.
public enum LabDefinitionKind: String, Sendable {
    case syntheticCheck = "synthetic_checks"
    case reportSchedule = "report_schedules"
}

/// Lab audits, synthetic check and report schedule definitions, with the other metadata of the embedded store.
public protocol LabStore: Sendable {
    /// Stores a report; its id is assigned.
    func addAudit(url: String, device: String, score: Double, startedMs: Int64, json: String) async throws -> StoredAudit
    func audit(id: Int64) async throws -> StoredAudit?
    /// The newest `limit` audits of one URL (every URL when nil), newest first.
    func audits(url: String?, limit: Int) async throws -> [StoredAudit]
    /// Every audited URL with its number of audits, by URL.
    func auditedURLs() async throws -> [(url: String, count: Int)]

    /// By name.
    func labDefinitions(_ kind: LabDefinitionKind) async throws -> [StoredLabDefinition]
    /// Inserts or replaces (keeping the creation time).
    func saveLabDefinition(_ kind: LabDefinitionKind, name: String, json: String, nowMs: Int64) async throws
    /// Whether there was one to delete.
    func deleteLabDefinition(_ kind: LabDefinitionKind, name: String) async throws -> Bool
}

/// One stored load-test run, as a list shows it.
/// Encodable: `GET /api/v1/load-runs` lists these as they are.
public struct LoadRunSummary: Sendable, Encodable {
    public var id: Int64
    public var name: String
    public var startMs: Int64
    public var endMs: Int64
    public var passed: Bool
    public var requests: Int64
    public var errors: Int64
    public var rate: Double
    public var p95: Double?

    public init(
        id: Int64, name: String, startMs: Int64, endMs: Int64, passed: Bool, requests: Int64, errors: Int64, rate: Double, p95: Double?
    ) {
        self.id = id
        self.name = name
        self.startMs = startMs
        self.endMs = endMs
        self.passed = passed
        self.requests = requests
        self.errors = errors
        self.rate = rate
        self.p95 = p95
    }
}

/// Load-test runs pushed by `perfwatch load --server` (docs/formats/load-run.md): the report
/// is kept whole, with its headline figures beside it for lists.
public protocol LoadRunStore: Sendable {
    /// Stores a run durably; returns its id.
    func saveLoadRun(_ summary: LoadRunSummary, report: String) async throws -> Int64
    /// Newest first.
    func loadRuns(limit: Int) async throws -> [LoadRunSummary]
    /// The report JSON as pushed; nil when unknown.
    func loadRunReport(id: Int64) async throws -> String?
}

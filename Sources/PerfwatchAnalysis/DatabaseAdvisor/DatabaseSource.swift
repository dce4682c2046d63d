// Issue 21: the database advisor sees a database only through these two protocols, so its rules
// are pure functions over the rows read (tested without a database) and the PostgreSQL I/O
// (`PerfwatchPostgres`, postgres-nio) is one conforming type.

/// What the advisor reads (a role with `pg_monitor`). Every call is bounded: no call returns an
/// unbounded number of rows, and `statements` reads in pages.
public protocol DatabaseSource: Sendable {
    /// Which extensions are installed in this database (and which could be).
    func extensions() async throws -> DatabaseExtensions
    /// `pg_stat_statements`, the `limit` statements with the most total execution time, read in
    /// pages of `pageSize` rows. Throws `DatabaseSourceError.missingExtension` without it.
    func topStatements(limit: Int, pageSize: Int) async throws -> [StatementStats]
    /// `EXPLAIN (FORMAT JSON[, ANALYZE])` of one statement with its parameters bound ($1… in
    /// order; nil = SQL NULL); the JSON text PostgreSQL returned. Throws `.unexplainable(reason)`
    /// for a statement that cannot be explained (DDL, utility, unfillable parameters).
    func explain(_ statement: String, parameters: [String?], analyze: Bool) async throws -> String
    /// The planner's total cost of the statement with each of `indexes` (hypothetical,
    /// `hypopg_create_index`) present, on one connection, reset afterwards. Throws
    /// `.missingExtension("hypopg")` without it.
    func hypotheticalCost(_ statement: String, parameters: [String?], indexes: [IndexDefinition]) async throws -> Double
    /// Every index of user tables with its usage, size, validity and columns.
    func indexes() async throws -> [IndexStats]
    /// User tables: size, rows, dead tuples, last (auto)vacuum/analyze.
    func tables() async throws -> [TableStats]
    /// Cache hit ratios, connections by state, long-running queries, lock waits.
    func health() async throws -> DatabaseHealth
    /// Queries issued to the database and their time since the source was made: the advisor
    /// reports what one pass cost the database (the difference around it).
    func queryCost() async -> DatabaseQueryCost
}

public struct DatabaseQueryCost: Sendable, Equatable {
    public var queries: Int
    public var databaseMs: Double

    public init(queries: Int, databaseMs: Double) {
        self.queries = queries
        self.databaseMs = databaseMs
    }
}

/// What `apply` needs (a second role allowed to create indexes).
public protocol DatabaseWriter: Sendable {
    /// Runs `CREATE INDEX CONCURRENTLY` (the statement as suggested) with `SET lock_timeout`; on
    /// failure drops the invalid index it may have left, then throws with the database's message.
    func createIndex(_ definition: IndexDefinition, lockTimeoutMs: Int) async throws
    /// `DROP INDEX CONCURRENTLY IF EXISTS`.
    func dropIndex(schema: String, name: String, lockTimeoutMs: Int) async throws
}

public enum DatabaseSourceError: Error, Sendable, Equatable {
    /// Connection refused, DNS, TLS, authentication: `message` as the driver said it.
    case unreachable(String)
    /// The role may not do this (SQLSTATE 42501 and kin).
    case permissionDenied(String)
    /// An extension the call needs is not installed (`pg_stat_statements`, `hypopg`).
    case missingExtension(String)
    /// The statement cannot be explained; `reason` says why (skipped, not an error of the pass).
    case unexplainable(String)
    /// Any other error PostgreSQL returned: SQLSTATE and message.
    case database(sqlState: String, message: String)
}

public struct DatabaseExtensions: Sendable, Equatable, Codable {
    public var pgStatStatements: Bool
    public var hypopg: Bool
    /// Installed in the server but not created in this database (`pg_available_extensions`).
    public var available: [String]
    /// `shared_preload_libraries` names pg_stat_statements (needed for it to collect).
    public var statementsPreloaded: Bool

    public init(pgStatStatements: Bool, hypopg: Bool, available: [String], statementsPreloaded: Bool) {
        self.pgStatStatements = pgStatStatements
        self.hypopg = hypopg
        self.available = available
        self.statementsPreloaded = statementsPreloaded
    }
}

/// One `pg_stat_statements` row (times in milliseconds).
public struct StatementStats: Sendable, Equatable, Codable {
    public var queryID: Int64
    /// As PostgreSQL normalized it (`$1`, `$2` for constants).
    public var query: String
    public var calls: Int64
    public var totalMs: Double
    public var meanMs: Double
    public var rows: Int64
    public var sharedBlocksHit: Int64
    public var sharedBlocksRead: Int64

    public init(
        queryID: Int64, query: String, calls: Int64, totalMs: Double, meanMs: Double, rows: Int64, sharedBlocksHit: Int64,
        sharedBlocksRead: Int64
    ) {
        self.queryID = queryID
        self.query = query
        self.calls = calls
        self.totalMs = totalMs
        self.meanMs = meanMs
        self.rows = rows
        self.sharedBlocksHit = sharedBlocksHit
        self.sharedBlocksRead = sharedBlocksRead
    }
}

/// A B-tree index to suggest, test hypothetically or build.
public struct IndexDefinition: Sendable, Equatable, Hashable, Codable {
    public var schema: String
    public var table: String
    public var columns: [String]

    public init(schema: String = "public", table: String, columns: [String]) {
        self.schema = schema
        self.table = table
        self.columns = columns
    }
}

public struct IndexStats: Sendable, Equatable, Codable {
    public var schema: String
    public var table: String
    public var name: String
    /// Key columns in order (expressions as PostgreSQL prints them).
    public var columns: [String]
    public var isUnique: Bool
    public var isPrimary: Bool
    public var isValid: Bool
    public var scans: Int64
    public var sizeBytes: Int64
    /// `pg_get_indexdef`.
    public var definition: String

    public init(
        schema: String, table: String, name: String, columns: [String], isUnique: Bool, isPrimary: Bool, isValid: Bool, scans: Int64,
        sizeBytes: Int64, definition: String
    ) {
        self.schema = schema
        self.table = table
        self.name = name
        self.columns = columns
        self.isUnique = isUnique
        self.isPrimary = isPrimary
        self.isValid = isValid
        self.scans = scans
        self.sizeBytes = sizeBytes
        self.definition = definition
    }
}

public struct TableStats: Sendable, Equatable, Codable {
    public var schema: String
    public var name: String
    public var liveTuples: Int64
    public var deadTuples: Int64
    public var sizeBytes: Int64
    public var sequentialScans: Int64
    public var indexScans: Int64
    /// Epoch ms of the last vacuum/autovacuum and analyze/autoanalyze; nil = never.
    public var lastVacuumMs: Int64?
    public var lastAnalyzeMs: Int64?

    public init(
        schema: String, name: String, liveTuples: Int64, deadTuples: Int64, sizeBytes: Int64, sequentialScans: Int64, indexScans: Int64,
        lastVacuumMs: Int64?, lastAnalyzeMs: Int64?
    ) {
        self.schema = schema
        self.name = name
        self.liveTuples = liveTuples
        self.deadTuples = deadTuples
        self.sizeBytes = sizeBytes
        self.sequentialScans = sequentialScans
        self.indexScans = indexScans
        self.lastVacuumMs = lastVacuumMs
        self.lastAnalyzeMs = lastAnalyzeMs
    }
}

public struct DatabaseHealth: Sendable, Equatable, Codable {
    /// Shared-buffer hit ratios (0…1) over the stats' life; nil when nothing was read yet.
    public var heapHitRatio: Double?
    public var indexHitRatio: Double?
    public var maxConnections: Int
    /// `pg_stat_activity` client backends by state (`active`, `idle`, `idle in transaction`, …).
    public var connectionsByState: [String: Int]
    public var longRunning: [RunningQuery]
    public var lockWaits: [LockWait]

    public init(
        heapHitRatio: Double?, indexHitRatio: Double?, maxConnections: Int, connectionsByState: [String: Int], longRunning: [RunningQuery],
        lockWaits: [LockWait]
    ) {
        self.heapHitRatio = heapHitRatio
        self.indexHitRatio = indexHitRatio
        self.maxConnections = maxConnections
        self.connectionsByState = connectionsByState
        self.longRunning = longRunning
        self.lockWaits = lockWaits
    }

    public struct RunningQuery: Sendable, Equatable, Codable {
        public var pid: Int
        public var durationMs: Double
        public var state: String
        public var query: String

        public init(pid: Int, durationMs: Double, state: String, query: String) {
            self.pid = pid
            self.durationMs = durationMs
            self.state = state
            self.query = query
        }
    }

    public struct LockWait: Sendable, Equatable, Codable {
        public var waitingPID: Int
        public var blockingPID: Int
        public var waitingMs: Double
        public var query: String

        public init(waitingPID: Int, blockingPID: Int, waitingMs: Double, query: String) {
            self.waitingPID = waitingPID
            self.blockingPID = blockingPID
            self.waitingMs = waitingMs
            self.query = query
        }
    }
}

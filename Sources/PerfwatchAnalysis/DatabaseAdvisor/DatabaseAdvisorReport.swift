// Issue 21: one advisor pass over one database, as the API returns it (`GET /api/v1/db/advisor`).

public struct DatabaseAdvisorReport: Sendable, Codable, Equatable {
    public var database: String
    public var generatedMs: Int64
    /// `ok`, `degraded` (some parts could not be read: see `notices`) or `unreachable`.
    public var status: String
    /// Why the database is unreachable, as the driver said it.
    public var error: String?
    public var extensions: DatabaseExtensions?
    public var notices: [Notice]
    public var topQueries: [TopQuery]
    public var plans: [PlanReport]
    public var suggestions: [IndexSuggestion]
    public var hygiene: [IndexHygieneFinding]
    public var health: HealthReport?
    public var skipped: [Skipped]
    public var cost: PassCost

    public init(
        database: String, generatedMs: Int64, status: String, error: String? = nil, extensions: DatabaseExtensions? = nil, notices: [Notice] = [],
        topQueries: [TopQuery] = [], plans: [PlanReport] = [], suggestions: [IndexSuggestion] = [], hygiene: [IndexHygieneFinding] = [],
        health: HealthReport? = nil, skipped: [Skipped] = [], cost: PassCost = PassCost()
    ) {
        self.database = database
        self.generatedMs = generatedMs
        self.status = status
        self.error = error
        self.extensions = extensions
        self.notices = notices
        self.topQueries = topQueries
        self.plans = plans
        self.suggestions = suggestions
        self.hygiene = hygiene
        self.health = health
        self.skipped = skipped
        self.cost = cost
    }

    /// Something the advisor could not do, and what enables it.
    public struct Notice: Sendable, Codable, Equatable {
        /// `pg_stat_statements_missing`, `pg_stat_statements_not_preloaded`, `hypopg_missing`, `permission_denied`, `read_failed`.
        public var code: String
        public var message: String
        public var fix: String?

        public init(code: String, message: String, fix: String?) {
            self.code = code
            self.message = message
            self.fix = fix
        }
    }

    public struct TopQuery: Sendable, Codable, Equatable {
        public var queryID: Int64
        public var query: String
        public var calls: Int64
        public var totalMs: Double
        public var meanMs: Double
        public var rows: Int64
        /// Shared-buffer hits / (hits + reads); nil when it read no blocks.
        public var hitRatio: Double?
        /// The span fingerprint it matches, when Perfwatch saw it.
        public var fingerprint: String?
        public var routes: [RouteUse]

        public init(
            queryID: Int64, query: String, calls: Int64, totalMs: Double, meanMs: Double, rows: Int64, hitRatio: Double?, fingerprint: String?,
            routes: [RouteUse]
        ) {
            self.queryID = queryID
            self.query = query
            self.calls = calls
            self.totalMs = totalMs
            self.meanMs = meanMs
            self.rows = rows
            self.hitRatio = hitRatio
            self.fingerprint = fingerprint
            self.routes = routes
        }
    }

    public struct PlanReport: Sendable, Codable, Equatable {
        public var fingerprint: String?
        public var queryID: Int64?
        /// The statement explained (the sample with its literals when one was used).
        public var statement: String
        public var parametersUsed: Bool
        public var totalCost: Double
        public var root: PlanNode
        /// Child indexes from `root` to the node with the largest self cost.
        public var costlyNodePath: [Int]

        public init(
            fingerprint: String?, queryID: Int64?, statement: String, parametersUsed: Bool, totalCost: Double, root: PlanNode, costlyNodePath: [Int]
        ) {
            self.fingerprint = fingerprint
            self.queryID = queryID
            self.statement = statement
            self.parametersUsed = parametersUsed
            self.totalCost = totalCost
            self.root = root
            self.costlyNodePath = costlyNodePath
        }
    }

    public struct IndexSuggestion: Sendable, Codable, Equatable {
        /// Stable across passes: `schema.table(columns)`.
        public var id: String
        public var index: IndexDefinition
        public var createStatement: String
        public var dropStatement: String
        public var costBefore: Double
        public var costAfter: Double
        /// The statements it was proven on.
        public var statements: [String]
        public var routes: [RouteUse]
        public var expectedEffect: String

        public init(
            id: String, index: IndexDefinition, createStatement: String, dropStatement: String, costBefore: Double, costAfter: Double,
            statements: [String], routes: [RouteUse], expectedEffect: String
        ) {
            self.id = id
            self.index = index
            self.createStatement = createStatement
            self.dropStatement = dropStatement
            self.costBefore = costBefore
            self.costAfter = costAfter
            self.statements = statements
            self.routes = routes
            self.expectedEffect = expectedEffect
        }
    }

    public struct IndexHygieneFinding: Sendable, Codable, Equatable {
        /// `unused`, `duplicate` or `invalid`.
        public var kind: String
        public var index: IndexStats
        /// For a duplicate: the index whose columns it is a prefix of.
        public var coveredBy: String?
        public var message: String

        public init(kind: String, index: IndexStats, coveredBy: String?, message: String) {
            self.kind = kind
            self.index = index
            self.coveredBy = coveredBy
            self.message = message
        }
    }

    public struct HealthReport: Sendable, Codable, Equatable {
        public var heapHitRatio: Double?
        public var indexHitRatio: Double?
        public var connectionsByState: [String: Int]
        public var maxConnections: Int
        public var poolAdvice: String?
        /// Queries running for longer than `HealthRules.longRunningMs`.
        public var longRunning: [DatabaseHealth.RunningQuery]
        public var lockWaits: [DatabaseHealth.LockWait]
        public var bloatedTables: [TableStats]

        public init(
            heapHitRatio: Double?, indexHitRatio: Double?, connectionsByState: [String: Int], maxConnections: Int, poolAdvice: String?,
            longRunning: [DatabaseHealth.RunningQuery], lockWaits: [DatabaseHealth.LockWait], bloatedTables: [TableStats]
        ) {
            self.heapHitRatio = heapHitRatio
            self.indexHitRatio = indexHitRatio
            self.connectionsByState = connectionsByState
            self.maxConnections = maxConnections
            self.poolAdvice = poolAdvice
            self.longRunning = longRunning
            self.lockWaits = lockWaits
            self.bloatedTables = bloatedTables
        }
    }

    public struct Skipped: Sendable, Codable, Equatable {
        public var statement: String
        public var reason: String

        public init(statement: String, reason: String) {
            self.statement = statement
            self.reason = reason
        }
    }

    /// What the pass cost the database: queries issued and their time, and the pass's wall time.
    public struct PassCost: Sendable, Codable, Equatable {
        public var queriesIssued: Int
        public var databaseMs: Double
        public var wallMs: Double

        public init(queriesIssued: Int = 0, databaseMs: Double = 0, wallMs: Double = 0) {
            self.queriesIssued = queriesIssued
            self.databaseMs = databaseMs
            self.wallMs = wallMs
        }
    }
}

import PerfwatchAnalysis
import PerfwatchModel

/// The database advisor's findings as issues, through the analysis pass like every analyzer's (so
/// they open, update and resolve after clean passes the same way): each database's newest report
/// that reached it, turned into issues by `DatabaseAdvisorIssues`. A database that is unreachable
/// now keeps its last findings rather than having them resolved for want of a look.
struct DatabaseAdvisorAnalyzer: Analyzer {
    let service: DatabaseAdvisorService

    var types: Set<String> { DatabaseAdvisorIssueTypes.all }

    func analyze(_ context: AnalysisContext) async throws -> [PerformanceIssue] {
        await service.reachedReports().flatMap { DatabaseAdvisorIssues.issues(from: $0, nowMs: context.nowMs) }
    }
}

/// The issue types the advisor decides about (issue 21's list).
enum DatabaseAdvisorIssueTypes {
    static let all: Set<String> = [
        "db_missing_index", "db_unused_index", "db_duplicate_index", "db_invalid_index", "db_cache_hit_ratio", "db_connections",
        "db_long_running", "db_lock_waits", "db_bloat", "db_extension_missing",
    ]
}

import Foundation
import PerfwatchAnalysis
import PerfwatchModel

/// What a `db_index` optimization builds, kept in the optimization's `policy_change` column (the
/// column edge optimizations keep their change in; a `db_index` one is told apart by its type):
/// `{"database":…,"suggestion":…,"index":{schema,table,columns},"name":…,"create":…,"drop":…}`.
struct DatabaseIndexChange: Codable, Sendable, Equatable {
    static let optimizationType = "db_index"

    var database: String
    /// The suggestion's stable id (table + columns): one optimization per suggestion.
    var suggestion: String
    var index: IndexDefinition
    /// The index's name in the database (what `DROP INDEX` names).
    var name: String
    var create: String
    var drop: String

    var jsonText: String { (try? CompactJSONEncoder().encode(self)) ?? "{}" }

    /// The change a `db_index` optimization carries; a 409 for any other, a 500 for one that cannot be read.
    static func of(_ optimization: PerformanceOptimization) throws -> DatabaseIndexChange {
        guard optimization.type == optimizationType, let text = optimization.policyChange else {
            throw PerfwatchError(.conflict, "optimization \(optimization.id) builds no database index")
        }
        do {
            return try JSONDecoder().decode(DatabaseIndexChange.self, from: Data(text.utf8))
        } catch {
            throw PerfwatchError(.internal, "optimization \(optimization.id)'s stored index change cannot be read: \(error)")
        }
    }
}

import Foundation

/// The SQL of a suggested index: its stable id, name and statements. The name is
/// `perfwatch_<table>_<columns>_idx`, cut to PostgreSQL's 63-byte identifier limit.
public enum IndexStatements {
    static let maxIdentifierBytes = 63

    public static func id(_ index: IndexDefinition) -> String {
        "\(index.schema).\(index.table)(\(index.columns.joined(separator: ",")))"
    }

    public static func name(_ index: IndexDefinition) -> String {
        var name = "perfwatch_" + ([index.table] + index.columns).joined(separator: "_")
        while name.utf8.count > maxIdentifierBytes - 4 { name.removeLast() }
        return name + "_idx"
    }

    public static func create(_ index: IndexDefinition) -> String {
        "CREATE INDEX CONCURRENTLY \(quoted(name(index))) ON \(quoted(index.schema)).\(quoted(index.table)) (\(index.columns.map(quoted).joined(separator: ", ")))"
    }

    public static func drop(_ index: IndexDefinition) -> String {
        "DROP INDEX CONCURRENTLY IF EXISTS \(quoted(index.schema)).\(quoted(name(index)))"
    }

    /// A double-quoted identifier (`"` doubled), so any table or column name is safe in DDL.
    public static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

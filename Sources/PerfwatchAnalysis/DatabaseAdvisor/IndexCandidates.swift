/// Dexter's candidates from one plan: per table, the columns a sequential scan filters, the
/// columns joins compare and the sort keys; single-column indexes first, then two-column ones
/// over the filtered columns (both orders). A candidate an existing valid index already leads
/// with is left out: the planner had it and did not need another.
enum IndexCandidates {
    /// Two-column candidates are drawn from at most this many filtered columns per table (the
    /// hypothetical tries grow with its square).
    static let maxPairColumns = 4

    /// The columns one table is filtered by, and those it is joined or sorted by.
    struct TableColumns {
        var schema: String
        var table: String
        var filtered: [String] = []
        var other: [String] = []

        mutating func add(_ column: String, filtered isFiltered: Bool) {
            if isFiltered {
                if !filtered.contains(column) { filtered.append(column) }
                other.removeAll { $0 == column }
            } else if !filtered.contains(column) && !other.contains(column) {
                other.append(column)
            }
        }
    }

    static func candidates(plan: PlanNode, existing: [IndexStats]) -> [IndexDefinition] {
        var tables: [TableColumns] = []
        func add(_ scan: PlanNode, _ column: String, filtered: Bool) {
            guard let relation = scan.relation else { return }
            let schema = scan.schema ?? "public"
            if let index = tables.firstIndex(where: { $0.schema == schema && $0.table == relation }) {
                tables[index].add(column, filtered: filtered)
            } else {
                var entry = TableColumns(schema: schema, table: relation)
                entry.add(column, filtered: filtered)
                tables.append(entry)
            }
        }
        for node in plan.allNodes {
            if node.nodeType == "Seq Scan", let filter = node.filter {
                for reference in PlanColumns.references(in: filter) where reference.qualifier == nil || reference.qualifier == node.alias
                    || reference.qualifier == node.relation
                {
                    add(node, reference.column, filtered: true)
                }
            }
            let scans = node.allNodes.filter { $0.relation != nil }
            if let condition = node.joinCond {
                for reference in PlanColumns.references(in: condition) {
                    if let scan = scan(for: reference, in: scans) { add(scan, reference.column, filtered: false) }
                }
            }
            for key in node.sortKey {
                for reference in PlanColumns.references(in: key) {
                    if let scan = scan(for: reference, in: scans) { add(scan, reference.column, filtered: false) }
                }
            }
        }
        var result: [IndexDefinition] = []
        for entry in tables {
            let valid = existing.filter { $0.isValid && $0.schema == entry.schema && $0.table == entry.table }
            func covered(_ columns: [String]) -> Bool { valid.contains { $0.columns.starts(with: columns) } }
            let singles = (entry.filtered + entry.other).map { [$0] }
            let pairColumns = Array(entry.filtered.prefix(maxPairColumns))
            let pairs = pairColumns.flatMap { first in pairColumns.filter { $0 != first }.map { [first, $0] } }
            for columns in singles + pairs where !covered(columns) {
                result.append(IndexDefinition(schema: entry.schema, table: entry.table, columns: columns))
            }
        }
        return result
    }

    /// The scan a column reference belongs to: by alias when qualified, else the only scan.
    static func scan(for reference: ColumnReference, in scans: [PlanNode]) -> PlanNode? {
        if let qualifier = reference.qualifier {
            return scans.first { $0.alias == qualifier || ($0.alias == nil && $0.relation == qualifier) }
        }
        return scans.count == 1 ? scans[0] : nil
    }
}

/// Dexter's candidates from one plan: per table, the columns a sequential scan filters, the
/// columns joins compare and the sort keys; single-column indexes first, then two-column ones
/// over the filtered columns (both orders). A candidate an existing valid index already leads
/// with is left out: the planner had it and did not need another.
enum IndexCandidates {
    /// Two-column candidates are drawn from at most this many filtered columns per table (the
    /// hypothetical tries grow with its square).
    static let maxPairColumns = 4

    struct TableColumns {
        var table: IndexDefinition  // columns unused: schema and table
        var filtered: [String] = []
        var other: [String] = []
    }

    static func candidates(plan: PlanNode, existing: [IndexStats]) -> [IndexDefinition] {
        var tables: [String: TableColumns] = [:]
        var order: [String] = []
        func add(_ scan: PlanNode, _ column: String, filtered: Bool) {
            guard let relation = scan.relation else { return }
            let schema = scan.schema ?? "public"
            let key = schema + "." + relation
            if tables[key] == nil {
                tables[key] = TableColumns(table: IndexDefinition(schema: schema, table: relation, columns: []))
                order.append(key)
            }
            if filtered {
                if !tables[key]!.filtered.contains(column) { tables[key]!.filtered.append(column) }
            } else if !tables[key]!.other.contains(column) && !tables[key]!.filtered.contains(column) {
                tables[key]!.other.append(column)
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
        for key in order {
            guard let entry = tables[key] else { continue }
            let valid = existing.filter { $0.isValid && $0.schema == entry.table.schema && $0.table == entry.table.table }
            func covered(_ columns: [String]) -> Bool { valid.contains { $0.columns.starts(with: columns) } }
            let singles = (entry.filtered + entry.other).map { [$0] }
            let pairColumns = Array(entry.filtered.prefix(maxPairColumns))
            let pairs = pairColumns.flatMap { first in pairColumns.filter { $0 != first }.map { [first, $0] } }
            for columns in singles + pairs where !covered(columns) {
                result.append(IndexDefinition(schema: entry.table.schema, table: entry.table.table, columns: columns))
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

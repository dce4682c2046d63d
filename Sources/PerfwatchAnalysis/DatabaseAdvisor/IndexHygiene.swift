/// Indexes that cost writes and space for nothing: invalid (a failed concurrent build),
/// duplicate (its columns are a prefix of another valid index on the same table, and it enforces
/// no uniqueness), unused (fewer than `unusedScanThreshold` scans since the stats reset; unique
/// and primary keys enforce constraints, so never unused).
enum IndexHygiene {
    typealias Finding = DatabaseAdvisorReport.IndexHygieneFinding

    static func findings(_ indexes: [IndexStats], unusedScanThreshold: Int64) -> [Finding] {
        var result: [Finding] = []
        for index in indexes {
            if !index.isValid {
                result.append(
                    Finding(
                        kind: "invalid", index: index, coveredBy: nil,
                        message: "\(index.name) on \(index.table) is invalid (a failed or interrupted build): it is maintained on every write but never used. Drop it (\(Bytes.text(index.sizeBytes)))."))
                continue
            }
            if !index.isUnique && !index.isPrimary,
                let wider = indexes.first(where: {
                    $0.name != index.name && $0.isValid && $0.schema == index.schema && $0.table == index.table
                        && $0.columns.count >= index.columns.count && $0.columns.starts(with: index.columns)
                        && ($0.columns.count > index.columns.count || $0.name < index.name)
                })
            {
                result.append(
                    Finding(
                        kind: "duplicate", index: index, coveredBy: wider.name,
                        message: "\(index.name) (\(index.columns.joined(separator: ", "))) is a prefix of \(wider.name) (\(wider.columns.joined(separator: ", "))), which serves the same lookups. Dropping it frees \(Bytes.text(index.sizeBytes)) and a write per row change."))
                continue
            }
            if !index.isUnique && !index.isPrimary && index.scans < unusedScanThreshold {
                result.append(
                    Finding(
                        kind: "unused", index: index, coveredBy: nil,
                        message: "\(index.name) on \(index.table) was scanned \(index.scans) times since the statistics reset (\(Bytes.text(index.sizeBytes))). If no rare job needs it, drop it."))
            }
        }
        return result
    }
}

enum Bytes {
    static func text(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : "\((value * 10).rounded() / 10) \(units[unit])"
    }
}

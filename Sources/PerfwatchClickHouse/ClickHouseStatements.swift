public import PerfwatchStorage

/// The text of every statement the store sends besides the schema's DDL, built in one place so
/// the chdb check (`statementExamples`) runs exactly what the store runs. Values are numbers the
/// store made or names checked by `ClickHouseLocation`; nothing from a request is interpolated.
public enum ClickHouseStatements {
    /// The column list of each table the store inserts into, with types: the INSERT statements'
    /// column lists, and the `structure` with which the chdb check reads our RowBinary rows.
    public static let seriesColumns =
        "id Int64, metric String, label_keys Array(String), label_values Array(String), kind String, temporality UInt8, unit String, created_ms Int64"
    public static let sampleColumns = "series_id Int64, ts Int64, value Float64"
    public static let distributionColumns =
        "series_id Int64, bucket_start Int64, count UInt64, sum Float64, min Float64, max Float64, bin_keys Array(Int64), bin_counts Array(UInt64)"
    public static let migrationColumns = "version UInt32, description String, applied_ms Int64"

    static func names(_ structure: String) -> String {
        structure.split(separator: ",").map { $0.split(separator: " ").first! }.joined(separator: ", ")
    }

    static func insert(_ database: String, _ table: String, _ structure: String) -> String {
        "INSERT INTO \(database).\(table) (\(names(structure))) FORMAT RowBinary"
    }

    public static func insertSeries(_ database: String) -> String { insert(database, "series", seriesColumns) }
    public static func insertSamples(_ database: String) -> String { insert(database, "samples", sampleColumns) }
    /// Only the 10 s table is written: the materialized views fill 1 m and 1 h.
    public static func insertDistributions(_ database: String) -> String {
        insert(database, ClickHouseSchema.distributionTable(.tenSeconds), distributionColumns)
    }
    public static func insertMigration(_ database: String) -> String { insert(database, "perfwatch_migrations", migrationColumns) }

    public static func selectAppliedMigrations(_ database: String) -> String {
        "SELECT toInt64(version) FROM \(database).perfwatch_migrations FORMAT RowBinary"
    }

    /// The catalog; a series written twice (a retried insert, two nodes) comes back twice until
    /// ReplacingMergeTree merges the copies, and the reader keeps one.
    public static func selectSeries(_ database: String) -> String {
        "SELECT id, metric, label_keys, label_values, kind, temporality, unit FROM \(database).series FORMAT RowBinary"
    }

    public static func selectSamples(_ database: String, seriesIDs: [Int64], from: Int64, to: Int64) -> String {
        """
        SELECT series_id, ts, value FROM \(database).samples
        WHERE series_id IN (\(list(seriesIDs))) AND ts >= \(from) AND ts <= \(to)
        ORDER BY series_id, ts FORMAT RowBinary
        """
    }

    /// Buckets merged inside ClickHouse: a bucket's rows (one per write that touched it) add up
    /// to one bucket, its bins by `sumMap`.
    public static func selectDistributions(
        _ database: String, seriesIDs: [Int64], from: Int64, to: Int64, resolution: Resolution, withSketches: Bool
    ) -> String {
        """
        SELECT series_id, bucket_start, sum(count), sum(sum), min(min), max(max)\(withSketches ? ", sumMap(bin_keys, bin_counts)" : "")
        FROM \(database).\(ClickHouseSchema.distributionTable(resolution))
        WHERE series_id IN (\(list(seriesIDs))) AND bucket_start >= \(from) AND bucket_start <= \(to)
        GROUP BY series_id, bucket_start ORDER BY series_id, bucket_start FORMAT RowBinary
        """
    }

    /// Rows per partition (a UTC day) of the store's tables: what retention may drop.
    public static func selectPartitions(_ database: String) -> String {
        """
        SELECT table, partition, toUInt64(sum(rows)) FROM system.parts
        WHERE database = '\(database)' AND active GROUP BY table, partition ORDER BY table, partition FORMAT RowBinary
        """
    }

    public static func dropPartition(_ database: String, table: String, day: Int64) -> String {
        "ALTER TABLE \(database).\(table) DROP PARTITION \(day)"
    }

    public static func selectStorageBytes(_ database: String) -> String {
        "SELECT toUInt64(sum(bytes_on_disk)) FROM system.parts WHERE database = '\(database)' AND active FORMAT RowBinary"
    }

    static func list(_ ids: [Int64]) -> String { ids.map(String.init).joined(separator: ",") }
}

public import PerfwatchStorage

/// The ClickHouse backend's tables (docs/formats/clickhouse.md), as migrations recorded in
/// `perfwatch_migrations`. Every statement runs on ClickHouse 18.16 (Debian's) and on current
/// releases: no codecs, TTL, Map, DateTime64, LowCardinality or window functions. Each is
/// idempotent (`IF NOT EXISTS`), so two nodes migrating at once end up with the same tables.
public enum ClickHouseSchema {
    public struct Migration: Sendable {
        public var version: Int
        public var description: String
        public var statements: [String]
    }

    /// Tables of distribution buckets by resolution.
    public static func distributionTable(_ resolution: Resolution) -> String {
        switch resolution {
        case .tenSeconds: "distributions_10s"
        case .oneMinute: "distributions_1m"
        case .oneHour: "distributions_1h"
        }
    }

    static let migrationsTable = "perfwatch_migrations"

    /// What runs before any migration: the database and the table that records them.
    public static func bootstrap(database: String) -> [String] {
        [
            "CREATE DATABASE IF NOT EXISTS \(database)",
            """
            CREATE TABLE IF NOT EXISTS \(database).\(migrationsTable) (version UInt32, description String, applied_ms Int64)
            ENGINE = MergeTree ORDER BY version
            """,
        ]
    }

    public static func migrations(database db: String) -> [Migration] {
        let distributionColumns = """
            (series_id Int64, bucket_start Int64, count UInt64, sum Float64, min Float64, max Float64,
             bin_keys Array(Int64), bin_counts Array(UInt64))
            """
        // Partitioned by UTC day so retention drops whole partitions.
        func bucketTable(_ resolution: Resolution) -> String {
            """
            CREATE TABLE IF NOT EXISTS \(db).\(Self.distributionTable(resolution)) \(distributionColumns)
            ENGINE = MergeTree PARTITION BY intDiv(bucket_start, 86400000) ORDER BY (series_id, bucket_start)
            """
        }
        // The coarser resolutions are computed inside ClickHouse from each block written to the
        // 10 s table; their rows are merged (sumMap) when read, like the 10 s rows.
        func rollup(_ resolution: Resolution) -> String {
            """
            CREATE MATERIALIZED VIEW IF NOT EXISTS \(db).\(Self.distributionTable(resolution))_rollup
            TO \(db).\(Self.distributionTable(resolution))
            AS SELECT series_id, intDiv(bucket_start, \(resolution.bucketMs)) * \(resolution.bucketMs) AS bucket_start,
                count, sum, min, max, bin_keys, bin_counts
            FROM \(db).\(Self.distributionTable(.tenSeconds))
            """
        }
        return [
            Migration(
                version: 1, description: "series catalog, samples, distribution buckets at 10 s / 1 m / 1 h",
                statements: [
                    """
                    CREATE TABLE IF NOT EXISTS \(db).series
                    (id Int64, metric String, label_keys Array(String), label_values Array(String), kind String,
                     temporality UInt8, unit String, created_ms Int64)
                    ENGINE = ReplacingMergeTree ORDER BY (metric, id)
                    """,
                    """
                    CREATE TABLE IF NOT EXISTS \(db).samples (series_id Int64, ts Int64, value Float64)
                    ENGINE = MergeTree PARTITION BY intDiv(ts, 86400000) ORDER BY (series_id, ts)
                    """,
                    bucketTable(.tenSeconds), bucketTable(.oneMinute), bucketTable(.oneHour),
                    rollup(.oneMinute), rollup(.oneHour),
                ])
        ]
    }

    /// Every DDL statement, in order (the chdb check runs them on a current engine).
    public static func allStatements(database: String) -> [String] {
        bootstrap(database: database) + migrations(database: database).flatMap(\.statements)
    }
}

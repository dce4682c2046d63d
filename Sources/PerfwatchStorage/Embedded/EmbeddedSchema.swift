import GRDB

/// Schema migrations of the embedded store. Append new migrations; never edit shipped ones.
enum EmbeddedSchema {
    /// `series` has no unique index on (metric, labels): the single writer resolves identities
    /// from its in-memory map, and the index would cost as much disk as the labels themselves.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-metrics") { db in
            try db.execute(
                sql: """
                    CREATE TABLE series (
                        id INTEGER PRIMARY KEY,
                        metric TEXT NOT NULL,
                        labels TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        temporality INTEGER NOT NULL,
                        unit TEXT NOT NULL,
                        created_ms INTEGER NOT NULL
                    );
                    CREATE TABLE sample_chunks (
                        id INTEGER PRIMARY KEY,
                        series_id INTEGER NOT NULL,
                        min_time INTEGER NOT NULL,
                        max_time INTEGER NOT NULL,
                        count INTEGER NOT NULL,
                        data BLOB NOT NULL
                    );
                    CREATE INDEX sample_chunks_by_series_time ON sample_chunks (series_id, max_time);
                    CREATE TABLE open_sample_chunks (
                        series_id INTEGER PRIMARY KEY,
                        min_time INTEGER NOT NULL,
                        max_time INTEGER NOT NULL,
                        count INTEGER NOT NULL,
                        data BLOB NOT NULL
                    );
                    """)
            for resolution in Resolution.allCases {
                try db.execute(
                    sql: """
                        CREATE TABLE \(table(resolution)) (
                            series_id INTEGER NOT NULL,
                            bucket INTEGER NOT NULL,
                            count INTEGER NOT NULL,
                            sum REAL NOT NULL,
                            min REAL NOT NULL,
                            max REAL NOT NULL,
                            sketch BLOB NOT NULL,
                            PRIMARY KEY (series_id, bucket)
                        ) WITHOUT ROWID;
                        CREATE INDEX \(table(resolution))_by_bucket ON \(table(resolution)) (bucket);
                        """)
            }
        }
        return migrator
    }

    static func table(_ resolution: Resolution) -> String {
        switch resolution {
        case .tenSeconds: "dist_10s"
        case .oneMinute: "dist_1m"
        case .oneHour: "dist_1h"
        }
    }
}

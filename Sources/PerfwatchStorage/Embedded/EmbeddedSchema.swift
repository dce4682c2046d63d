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
        migrator.registerMigration("v2-spans") { db in
            try db.execute(
                sql: """
                    CREATE TABLE spans (
                        trace_id TEXT NOT NULL,
                        span_id TEXT NOT NULL,
                        parent_span_id TEXT NOT NULL,
                        service TEXT NOT NULL,
                        name TEXT NOT NULL,
                        kind INTEGER NOT NULL,
                        start_ns INTEGER NOT NULL,
                        duration_ns INTEGER NOT NULL,
                        status INTEGER NOT NULL,
                        status_message TEXT NOT NULL,
                        route TEXT NOT NULL,
                        db_fingerprint TEXT NOT NULL,
                        is_entry INTEGER NOT NULL,
                        attributes TEXT NOT NULL,
                        events TEXT NOT NULL,
                        resource TEXT NOT NULL
                    );
                    CREATE INDEX spans_by_trace ON spans (trace_id);
                    CREATE INDEX spans_entries_by_time ON spans (is_entry, start_ns);
                    CREATE INDEX spans_by_start ON spans (start_ns);
                    CREATE INDEX spans_by_fingerprint ON spans (db_fingerprint, start_ns) WHERE db_fingerprint != '';
                    CREATE TABLE db_statements (
                        fingerprint TEXT PRIMARY KEY,
                        statement TEXT NOT NULL,
                        first_seen_ms INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v3-span-blocks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE span_blocks (
                        id INTEGER PRIMARY KEY,
                        min_start_ns INTEGER NOT NULL,
                        max_start_ns INTEGER NOT NULL,
                        span_count INTEGER NOT NULL,
                        data BLOB NOT NULL
                    );
                    CREATE INDEX span_blocks_by_end ON span_blocks (max_start_ns);
                    CREATE TABLE trace_index (
                        trace_key INTEGER NOT NULL,
                        block_id INTEGER NOT NULL,
                        span_count INTEGER NOT NULL,
                        PRIMARY KEY (trace_key, block_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX trace_index_by_block ON trace_index (block_id);
                    CREATE TABLE trace_entries (
                        start_ns INTEGER NOT NULL,
                        span_key INTEGER NOT NULL,
                        trace_key INTEGER NOT NULL,
                        trace_id TEXT NOT NULL,
                        service TEXT NOT NULL,
                        name TEXT NOT NULL,
                        route TEXT NOT NULL,
                        duration_ns INTEGER NOT NULL,
                        PRIMARY KEY (start_ns, span_key)
                    ) WITHOUT ROWID;
                    CREATE TABLE trace_errors (
                        trace_key INTEGER PRIMARY KEY,
                        start_ns INTEGER NOT NULL
                    );
                    """)
            try SpanRowMigration.moveRowsToBlocks(db)
            try db.execute(sql: "DROP TABLE spans")
        }
        migrator.registerMigration("v4-store-state") { db in
            // derived_through_block: the newest span block whose derived metrics are written.
            try db.execute(
                sql: """
                    CREATE TABLE store_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                    INSERT INTO store_state (name, value) SELECT 'derived_through_block', COALESCE(MAX(id), 0) FROM span_blocks;
                    """)
        }
        migrator.registerMigration("v5-rum") { db in
            try db.execute(
                sql: """
                    CREATE TABLE rum_page_views (
                        page_view_id TEXT PRIMARY KEY,
                        received_ms INTEGER NOT NULL,
                        page TEXT NOT NULL,
                        url TEXT NOT NULL,
                        device TEXT NOT NULL,
                        release TEXT NOT NULL,
                        connection TEXT NOT NULL,
                        session_id TEXT NOT NULL,
                        beacon TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX rum_page_views_by_time ON rum_page_views (received_ms);
                    CREATE TABLE rum_errors (
                        id INTEGER PRIMARY KEY,
                        received_ms INTEGER NOT NULL,
                        fingerprint TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        message TEXT NOT NULL,
                        source TEXT NOT NULL,
                        line INTEGER NOT NULL,
                        col INTEGER NOT NULL,
                        stack TEXT NOT NULL,
                        page TEXT NOT NULL,
                        device TEXT NOT NULL,
                        release TEXT NOT NULL,
                        page_view_id TEXT NOT NULL
                    );
                    CREATE INDEX rum_errors_by_time ON rum_errors (received_ms);
                    CREATE TABLE rum_journeys (
                        id TEXT PRIMARY KEY,
                        type TEXT NOT NULL,
                        target_ms REAL,
                        start_ms INTEGER NOT NULL,
                        end_ms INTEGER,
                        state TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        steps TEXT NOT NULL,
                        page TEXT NOT NULL,
                        device TEXT NOT NULL,
                        release TEXT NOT NULL,
                        updated_ms INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX rum_journeys_by_start ON rum_journeys (start_ms);
                    CREATE INDEX rum_journeys_open ON rum_journeys (updated_ms) WHERE state = 'open';
                    """)
        }
        migrator.registerMigration("v6-load-runs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE load_runs (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL,
                        start_ms INTEGER NOT NULL,
                        end_ms INTEGER NOT NULL,
                        passed INTEGER NOT NULL,
                        requests INTEGER NOT NULL,
                        errors INTEGER NOT NULL,
                        rate REAL NOT NULL,
                        p95 REAL,
                        report TEXT NOT NULL
                    );
                    CREATE INDEX load_runs_by_start ON load_runs (start_ms);
                    """)
        }
        migrator.registerMigration("v7-performance-issues") { db in
            try db.execute(
                sql: """
                    CREATE TABLE performance_issues (
                        id INTEGER PRIMARY KEY,
                        fingerprint TEXT NOT NULL UNIQUE,
                        type TEXT NOT NULL,
                        title TEXT NOT NULL,
                        description TEXT NOT NULL,
                        recommendation TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        status TEXT NOT NULL,
                        service TEXT NOT NULL,
                        route TEXT NOT NULL,
                        impact_ms REAL NOT NULL,
                        evidence TEXT NOT NULL,
                        first_seen_ms INTEGER NOT NULL,
                        last_seen_ms INTEGER NOT NULL,
                        resolved_ms INTEGER,
                        clean_passes INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v8-performance-alerts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE performance_alerts (
                        id INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL,
                        alert_id TEXT NOT NULL,
                        rule TEXT NOT NULL,
                        group_name TEXT NOT NULL,
                        labels TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        message TEXT NOT NULL,
                        threshold REAL NOT NULL,
                        value REAL,
                        active_ms INTEGER NOT NULL,
                        fired_ms INTEGER,
                        resolved_ms INTEGER,
                        acknowledged_by TEXT,
                        acknowledged_ms INTEGER,
                        at_ms INTEGER NOT NULL,
                        silenced INTEGER NOT NULL
                    );
                    CREATE INDEX performance_alerts_by_time ON performance_alerts (at_ms);
                    """)
        }
        migrator.registerMigration("v9-alert-rules-and-state") { db in
            try db.execute(
                sql: """
                    CREATE TABLE alert_rules (
                        name TEXT PRIMARY KEY,
                        group_name TEXT NOT NULL,
                        interval_ms INTEGER NOT NULL,
                        rule_json TEXT NOT NULL,
                        created_ms INTEGER NOT NULL,
                        updated_ms INTEGER NOT NULL
                    );
                    CREATE TABLE alert_silences (
                        id TEXT PRIMARY KEY,
                        json TEXT NOT NULL,
                        ends_ms INTEGER NOT NULL
                    );
                    CREATE TABLE alert_runtime_state (
                        name TEXT PRIMARY KEY,
                        json TEXT NOT NULL,
                        saved_ms INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v10-deployments-and-optimizations") { db in
            try db.execute(
                sql: """
                    CREATE TABLE deployments (
                        id INTEGER PRIMARY KEY,
                        service TEXT NOT NULL,
                        version TEXT NOT NULL,
                        environment TEXT NOT NULL,
                        time_ms INTEGER NOT NULL,
                        description TEXT NOT NULL,
                        source TEXT NOT NULL
                    );
                    CREATE INDEX deployments_by_time ON deployments (time_ms);
                    CREATE INDEX deployments_by_service_version ON deployments (service, version);
                    CREATE TABLE performance_optimizations (
                        id INTEGER PRIMARY KEY,
                        issue_id INTEGER,
                        type TEXT NOT NULL,
                        description TEXT NOT NULL,
                        service TEXT NOT NULL,
                        route TEXT NOT NULL,
                        release TEXT NOT NULL,
                        created_ms INTEGER NOT NULL,
                        applied_ms INTEGER,
                        impact TEXT,
                        verdict TEXT,
                        validated_ms INTEGER
                    );
                    """)
        }
        migrator.registerMigration("v11-derived-journal") { db in
            // Held-back metrics that cannot be derived again after a crash (see DerivedJournalCodec).
            try db.execute(sql: "CREATE TABLE derived_journal (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
        }
        migrator.registerMigration("v12-edge-policies") { db in
            // Published edge policies (every version kept: rollbacks and the history read them) and
            // what an edge optimization changed, which version applying it published, and its rollback.
            try db.execute(
                sql: """
                    CREATE TABLE edge_policies (
                        version INTEGER PRIMARY KEY,
                        json TEXT NOT NULL,
                        published_ms INTEGER NOT NULL,
                        reason TEXT NOT NULL
                    );
                    ALTER TABLE performance_optimizations ADD COLUMN policy_change TEXT;
                    ALTER TABLE performance_optimizations ADD COLUMN policy_version INTEGER;
                    ALTER TABLE performance_optimizations ADD COLUMN previous_version INTEGER;
                    ALTER TABLE performance_optimizations ADD COLUMN rolled_back_ms INTEGER;
                    ALTER TABLE performance_optimizations ADD COLUMN rollback_reason TEXT;
                    CREATE INDEX performance_optimizations_issue ON performance_optimizations(issue_id);
                    """)
        }
        migrator.registerMigration("v13-dashboards") { db in
            // Saved dashboards (issue 15): a user's boards of panels, each its checked JSON document.
            try db.execute(
                sql: """
                    CREATE TABLE dashboards (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL,
                        json TEXT NOT NULL,
                        created_ms INTEGER NOT NULL,
                        updated_ms INTEGER NOT NULL
                    )
                    """)
        }
        migrator.registerMigration("v14-lab") { db in
            // Issue 20: lab audits (each report's JSON, read by URL and time), and the synthetic checks and
            // report schedules made through the API (checked JSON by unique name).
            try db.execute(
                sql: """
                    CREATE TABLE audits (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        url TEXT NOT NULL,
                        device TEXT NOT NULL,
                        score REAL NOT NULL,
                        started_ms INTEGER NOT NULL,
                        json TEXT NOT NULL
                    );
                    CREATE INDEX audits_url_time ON audits(url, started_ms);
                    CREATE TABLE synthetic_checks (
                        name TEXT PRIMARY KEY,
                        json TEXT NOT NULL,
                        created_ms INTEGER NOT NULL,
                        updated_ms INTEGER NOT NULL
                    );
                    CREATE TABLE report_schedules (
                        name TEXT PRIMARY KEY,
                        json TEXT NOT NULL,
                        created_ms INTEGER NOT NULL,
                        updated_ms INTEGER NOT NULL
                    );
                    """)
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

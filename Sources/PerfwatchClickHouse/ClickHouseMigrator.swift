import PerfwatchModel

/// Brings a database to the newest `ClickHouseSchema` migration, recording each applied one in
/// `perfwatch_migrations`. A database newer than this binary (a version it does not know) is
/// refused, so an old node never writes under a layout it does not understand.
struct ClickHouseMigrator {
    let http: ClickHouseHTTP
    let database: String

    func migrate() async throws {
        for statement in ClickHouseSchema.bootstrap(database: database) { try await http.execute(statement) }
        var reader = RowBinaryReader(try await http.execute(ClickHouseStatements.selectAppliedMigrations(database)))
        var applied: Set<Int> = []
        while !reader.isAtEnd { applied.insert(Int(try reader.readInt64())) }
        let migrations = ClickHouseSchema.migrations(database: database)
        let known = Set(migrations.map(\.version))
        if let unknown = applied.subtracting(known).max() {
            throw PerfwatchError(
                .unavailable,
                "ClickHouse database \(database) has schema version \(unknown), newer than this perfwatch knows (\(known.max() ?? 0)): upgrade perfwatch")
        }
        for migration in migrations where !applied.contains(migration.version) {
            for statement in migration.statements { try await http.execute(statement) }
            try await http.insert(
                ClickHouseStatements.insertMigration(database),
                rows: ClickHouseRows.migration(version: migration.version, description: migration.description, appliedMs: TimeParsing.nowMs()))
        }
    }
}

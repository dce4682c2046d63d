import Foundation
import GRDB
public import PerfwatchModel

/// `perfwatch store check` and `perfwatch store repair`: what to do when the SQLite file of a
/// data directory is damaged (a disk fault, a copy taken mid-write, a truncated file).
///
/// Both take the data directory's lock, so they refuse to run beside a server.
public enum EmbeddedStoreRecovery {
    public struct CheckReport: Sendable {
        /// Empty when SQLite's integrity check passes.
        public var problems: [String]
        public var isHealthy: Bool { problems.isEmpty }
    }

    public struct RepairReport: Sendable {
        public struct Table: Sendable {
            public var name: String
            public var copiedRows: Int
            /// Why the copy stopped early, when it did (rows after that point are lost).
            public var stoppedBy: String?
        }
        public var tables: [Table]
        /// Where the damaged files were moved.
        public var keptAt: String
        /// Set when nothing at all could be read from the damaged file.
        public var unreadable: String?
    }

    static let databaseName = "perfwatch.sqlite"

    /// Runs SQLite's `integrity_check` on the directory's database, read-only.
    public static func check(directory: String) throws -> CheckReport {
        let lock = try DataDirectoryLock(directory: directory)
        defer { withExtendedLifetime(lock) {} }
        let path = directory + "/" + databaseName
        guard FileManager.default.fileExists(atPath: path) else {
            return CheckReport(problems: ["there is no \(databaseName) in \(directory)"])
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let lines = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check(100)") }
            return CheckReport(problems: lines == ["ok"] ? [] : lines)
        } catch {
            return CheckReport(problems: ["\(error)"])
        }
    }

    /// Moves the damaged database aside and builds a new one with the current schema, then
    /// copies every row it can read, table by table (a table whose rows stop being readable
    /// keeps the rows read before the damage).
    public static func repair(directory: String, nowMs: Int64 = TimeParsing.nowMs()) throws -> RepairReport {
        let path = directory + "/" + databaseName
        let keptDirectory = directory + "/damaged-\(nowMs)"
        do {
            let lock = try DataDirectoryLock(directory: directory)
            defer { withExtendedLifetime(lock) {} }
            try FileManager.default.createDirectory(atPath: keptDirectory, withIntermediateDirectories: true)
            for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                try FileManager.default.moveItem(atPath: path + suffix, toPath: keptDirectory + "/" + databaseName + suffix)
            }
        }
        // A fresh store: the current schema and its migrations, then closed again.
        do { _ = try EmbeddedStore(configuration: EmbeddedStoreConfiguration(directory: directory)) }
        let lock = try DataDirectoryLock(directory: directory)
        defer { withExtendedLifetime(lock) {} }
        let target = try DatabaseQueue(path: path)
        var report = RepairReport(tables: [], keptAt: keptDirectory)
        let damaged: DatabaseQueue
        do {
            var configuration = Configuration()
            configuration.readonly = true
            damaged = try DatabaseQueue(path: keptDirectory + "/" + databaseName, configuration: configuration)
            _ = try damaged.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
        } catch {
            report.unreadable = "\(error)"
            return report
        }
        let tables = try target.read { db in
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations' ORDER BY name")
        }
        for table in tables {
            report.tables.append(copy(table: table, from: damaged, to: target))
        }
        return report
    }

    private static func copy(table: String, from damaged: DatabaseQueue, to target: DatabaseQueue) -> RepairReport.Table {
        var result = RepairReport.Table(name: table, copiedRows: 0, stoppedBy: nil)
        do {
            let targetColumns = try target.read { db in try db.columns(in: table).map(\.name) }
            let sourceColumns = try damaged.read { db in try db.columns(in: table).map(\.name) }
            let columns = targetColumns.filter(sourceColumns.contains)
            guard !columns.isEmpty else {
                result.stoppedBy = "the damaged file has no readable table \(table)"
                return result
            }
            let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
            let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
            try target.inTransaction { targetDB in
                let insert = try targetDB.makeStatement(sql: "INSERT OR IGNORE INTO \"\(table)\" (\(list)) VALUES (\(placeholders))")
                do {
                    try damaged.read { sourceDB in
                        let rows = try Row.fetchCursor(sourceDB, sql: "SELECT \(list) FROM \"\(table)\"")
                        while let row = try rows.next() {
                            try insert.execute(arguments: StatementArguments((0..<columns.count).map { row[$0] as DatabaseValue }))
                            result.copiedRows += 1
                        }
                    }
                } catch {
                    result.stoppedBy = "\(error)"
                }
                return .commit
            }
        } catch {
            result.stoppedBy = "\(error)"
        }
        return result
    }
}

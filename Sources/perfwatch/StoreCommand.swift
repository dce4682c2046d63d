import ArgumentParser
import PerfwatchStorage

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Check or repair the embedded store of a data directory (with the server stopped).",
        discussion: """
            When `perfwatch serve` stops with "the store ... is damaged" (exit status 3), check what is \
            readable, then repair: the damaged file moves to DATA/damaged-<time>/ and a new one receives \
            every row that can still be read.

            Examples:
              perfwatch store check --data /var/lib/perfwatch
              perfwatch store repair --data /var/lib/perfwatch
            """,
        subcommands: [Check.self, Repair.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run SQLite's integrity check on the store; exit 1 when it finds damage.")

        @OptionGroup var location: DataDirectoryOptions

        func run() throws {
            let data = try location.directory
            let report = try EmbeddedStoreRecovery.check(directory: data)
            if report.isHealthy {
                print("ok: the store in \(data) passes SQLite's integrity check")
                return
            }
            print("damaged: the store in \(data) has problems:")
            for problem in report.problems { print("  \(problem)") }
            print("repair it with: perfwatch store repair --data \(data)")
            throw ExitCode(1)
        }
    }

    struct Repair: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild the store from every readable row; the damaged file is kept beside it.")

        @OptionGroup var location: DataDirectoryOptions

        func run() throws {
            let report = try EmbeddedStoreRecovery.repair(directory: location.directory)
            print("the damaged files are kept in \(report.keptAt)")
            if let unreadable = report.unreadable {
                print("nothing could be read from the damaged file (\(unreadable)); the store starts empty")
                return
            }
            var lost = 0
            for table in report.tables {
                let note = table.stoppedBy.map { " — stopped early: \($0)" } ?? ""
                if table.stoppedBy != nil { lost += 1 }
                print("  \(table.name): \(table.copiedRows) rows\(note)")
            }
            print(lost == 0 ? "repaired: every row was readable" : "repaired: \(lost) tables lost rows after the damage (listed above)")
        }
    }
}

import ArgumentParser
import Foundation
import PerfwatchServer

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke the API keys stored in the data directory.",
        discussion: """
            Keys are stored as SHA-256 digests in DATA/api-keys.json; a key is shown once, when it is made. \
            A running server picks up changes within a second. Scopes: ingest (send telemetry, load-run \
            reports, deploy markers), read (queries, the dashboard), admin (everything, including rules, \
            silences, analysis runs, optimizations and issue states). Routes and scopes: docs/api-auth.md.

            Examples:
              perfwatch keys create --scope ingest --name checkout-api
              perfwatch keys create --scope read --scope admin --name ops \\
                  --data /var/lib/perfwatch
              perfwatch keys list
              perfwatch keys revoke checkout-api
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new key; prints it once (only its digest is kept).",
            discussion: "Example: perfwatch keys create --scope ingest --name checkout-api")

        @Option(name: .customLong("scope"), help: "A scope for the key (repeat for more): ingest, read, admin.")
        var scopes: [String] = []

        @Option(help: "A name to list and revoke it by (default: its prefix).")
        var name: String?

        @OptionGroup var location: DataDirectoryOptions

        func run() throws {
            var scopeSet = Set<AuthScope>()
            for scope in scopes {
                guard let parsed = AuthScope(rawValue: scope) else {
                    throw ValidationError("unknown scope '\(scope)'; scopes are \(AuthScope.names)")
                }
                scopeSet.insert(parsed)
            }
            do {
                let (key, stored) = try APIKeyFile(dataDirectory: location.directory).create(name: name, scopes: scopeSet)
                print(key)
                FileHandle.standardError.write(
                    Data("key '\(stored.name)' (\(stored.scopes.joined(separator: ", "))) created; it is not shown again\n".utf8))
            } catch let error as ConfigurationError {
                throw ValidationError(error.description)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List stored keys: name, scopes, created, prefix (never the key).", discussion: "Example: perfwatch keys list")

        @OptionGroup var location: DataDirectoryOptions

        func run() throws {
            let keys: [StoredAPIKey]
            do { keys = try APIKeyFile(dataDirectory: location.directory).load() } catch let error as ConfigurationError { throw ValidationError(error.description) }
            guard !keys.isEmpty else {
                print("no stored keys (perfwatch keys create --scope read makes one)")
                return
            }
            let formatter = ISO8601DateFormatter()
            let rows = [["NAME", "SCOPES", "CREATED", "PREFIX"]]
                + keys.map { key in
                    [key.name, key.scopes.joined(separator: ","), formatter.string(from: Date(timeIntervalSince1970: Double(key.created) / 1000)),
                     key.prefix + "…"]
                }
            let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let line = row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                print(line.trimmingCharacters(in: .whitespaces))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a stored key by its name or prefix; a running server refuses it within a second.",
            discussion: "Example: perfwatch keys revoke checkout-api")

        @Argument(help: "The key's name, or its prefix as keys list shows it.")
        var nameOrPrefix: String

        @OptionGroup var location: DataDirectoryOptions

        func run() throws {
            do {
                let removed = try APIKeyFile(dataDirectory: location.directory).revoke(nameOrPrefix.replacingOccurrences(of: "…", with: ""))
                print("revoked '\(removed.name)' (\(removed.prefix)…)")
            } catch let error as ConfigurationError {
                throw ValidationError(error.description)
            }
        }
    }
}

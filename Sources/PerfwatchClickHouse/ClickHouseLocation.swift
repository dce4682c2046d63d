import Foundation
import PerfwatchModel

/// Where a ClickHouse store lives: `clickhouse://[user[:password]@]host[:port][/database]`.
/// The HTTP interface's port defaults to 8123 and the database to `perfwatch`. Query parameters
/// are refused until one is implemented (`?cluster=` is issue 18's next step), so a setting a user
/// believes active never silently is not.
public struct ClickHouseLocation: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: String
    public var user: String?
    public var password: String?

    public init(host: String, port: Int = 8123, database: String = "perfwatch", user: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
    }

    /// Parses `text`; a `PerfwatchError(.badRequest)` names what is wrong.
    public init(parsing text: String) throws {
        func bad(_ problem: String) -> PerfwatchError {
            PerfwatchError(.badRequest, "ClickHouse URL \(text.debugDescription): \(problem) (expected clickhouse://host[:port][/database])")
        }
        guard let components = URLComponents(string: text) else { throw bad("not a URL") }
        guard components.scheme == "clickhouse" else { throw bad("the scheme must be clickhouse://") }
        guard let host = components.host, !host.isEmpty else { throw bad("no host") }
        if let items = components.queryItems, let first = items.first {
            throw bad("unknown parameter \(first.name.debugDescription)")
        }
        if components.fragment != nil { throw bad("a fragment (#…) is not allowed") }
        var path = components.path
        if path.hasPrefix("/") { path.removeFirst() }
        let database = path.isEmpty ? "perfwatch" : path
        guard Self.isPlainName(database) else {
            throw bad("the database name must be letters, digits and underscores, not starting with a digit")
        }
        let port = components.port ?? 8123
        guard (1...65535).contains(port) else { throw bad("port \(port) is out of range") }
        self.init(host: host, port: port, database: database, user: components.user, password: components.password)
    }

    /// Names that need no quoting in SQL (the database is written into every statement).
    static func isPlainName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || CharacterSet.alphanumerics.contains($0)) }
    }

    /// The same server with another database (tests give each store instance a fresh one).
    public func with(database: String) -> ClickHouseLocation {
        var copy = self
        copy.database = database
        return copy
    }

    /// The HTTP interface's root.
    var httpBase: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/" }

    /// Without the password.
    public var description: String {
        "clickhouse://" + (user.map { $0 + "@" } ?? "") + "\(host):\(port)/\(database)"
    }
}

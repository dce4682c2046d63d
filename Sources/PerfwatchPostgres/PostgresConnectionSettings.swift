import Foundation
public import PostgresNIO

/// How the advisor connects: a `postgres://user:password@host:port/database?sslmode=…` URL read into
/// postgres-nio's configuration. Kept separate so the URL grammar has its own tests.
public enum PostgresConnectionSettings {
    public static func configuration(url: String) throws -> PostgresClient.Configuration {
        guard let components = URLParts(url) else { throw PostgresURLError.invalid("not a postgres:// URL: \(url)") }
        var configuration = PostgresClient.Configuration(
            host: components.host, port: components.port, username: components.user, password: components.password,
            database: components.database, tls: .disable
        )
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}

public enum PostgresURLError: Error, Equatable, Sendable {
    case invalid(String)
}

/// The parts of a `postgres://` or `postgresql://` URL (percent-decoded user and password).
struct URLParts {
    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String?

    init?(_ text: String) {
        let prefixes = ["postgres://", "postgresql://"]
        guard let prefix = prefixes.first(where: { text.hasPrefix($0) }) else { return nil }
        var rest = Substring(text.dropFirst(prefix.count))
        if let query = rest.firstIndex(of: "?") { rest = rest[..<query] }
        var userInfo: Substring?
        if let at = rest.lastIndex(of: "@") {
            userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        var hostPort = rest
        database = nil
        if let slash = rest.firstIndex(of: "/") {
            hostPort = rest[..<slash]
            let name = rest[rest.index(after: slash)...]
            database = name.isEmpty ? nil : String(name).removingPercentEncoding
        }
        if let colon = hostPort.lastIndex(of: ":") {
            guard let number = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(number) else { return nil }
            port = number
            host = String(hostPort[..<colon])
        } else {
            port = 5432
            host = String(hostPort)
        }
        if host.isEmpty { return nil }
        if let userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                user = String(userInfo[..<colon]).removingPercentEncoding ?? String(userInfo[..<colon])
                let secret = userInfo[userInfo.index(after: colon)...]
                password = String(secret).removingPercentEncoding ?? String(secret)
            } else {
                user = String(userInfo).removingPercentEncoding ?? String(userInfo)
                password = nil
            }
        } else {
            user = "postgres"
            password = nil
        }
    }
}

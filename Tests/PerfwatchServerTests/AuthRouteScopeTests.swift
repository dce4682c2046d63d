import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import PerfwatchServer
import PerfwatchServerTesting
import PerfwatchTesting
import Testing

/// Keys of each kind, long enough for the key rules.
enum TestKeys {
    static let ingest = "ingest-key-0123456789"
    static let read = "read-key-0123456789ab"
    static let admin = "admin-key-0123456789a"

    static func configure(_ configuration: inout ServerConfiguration) {
        configuration.apiKeys = [
            .init(key: ingest, scopes: ["ingest"]), .init(key: read, scopes: ["read"]), .init(key: admin, scopes: ["admin"]),
        ]
    }
}

@Suite("Route scopes")
struct AuthRouteScopeTests {
    /// Server-sent event streams never end; they are only called where the answer is a refusal.
    static let streaming: Set<String> = ["GET /api/v1/events", "GET /api/v1/alerts/stream"]

    /// A concrete URL for a route pattern: every `{param}` becomes something the handler parses.
    static func url(_ pattern: String) -> String {
        pattern.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part == "{file}" ? "app.js" : part.hasPrefix("{") ? "1" : String(part)
        }.joined(separator: "/")
    }

    @Test("every registered route, called with no key and with each kind of key, answers as its scope says")
    func everyRoute() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = ServerConfiguration.testing(dataDirectory: directory)
            TestKeys.configure(&configuration)
            let (app, routes) = try await buildApplicationAndRoutes(configuration: configuration, logger: .testing)
            #expect(routes.count > 60)
            try await app.test(.router) { client in
                for route in routes {
                    let parts = route.split(separator: " ", maxSplits: 1)
                    let method = HTTPRequest.Method(String(parts[0]))!
                    let uri = Self.url(String(parts[1]))
                    let access = RouteScopes.access(method: method, endpoint: String(parts[1]))
                    func call(_ key: String?) async throws -> HTTPResponse.Status {
                        var headers: HTTPFields = [.contentType: "application/json"]
                        if let key { headers[.authorization] = "Bearer \(key)" }
                        return try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: "{}")).status
                    }
                    let kinds: [(AuthScope, String)] = [(.ingest, TestKeys.ingest), (.read, TestKeys.read), (.admin, TestKeys.admin)]
                    switch access {
                    case .open:
                        let status = try await call(nil)
                        #expect(status != .unauthorized && status != .forbidden, "\(route) is open but answered \(status) without a key")
                    case .anyKey:
                        // A method the path does not serve: every key gets the 405, none runs anything.
                        #expect(try await call(nil) == .unauthorized, "\(route) without a key")
                        for (_, key) in kinds {
                            #expect(try await call(key) == .methodNotAllowed, "\(route) is missing from RouteScopes.table")
                        }
                    case .scope(let needed):
                        #expect(try await call(nil) == .unauthorized, "\(route) without a key")
                        for (scope, key) in kinds {
                            let allowed = scope == needed || scope == .admin
                            if allowed && Self.streaming.contains(route) { continue }
                            let status = try await call(key)
                            if allowed {
                                #expect(status != .unauthorized && status != .forbidden, "\(route) with a \(scope) key answered \(status)")
                            } else {
                                #expect(status == .forbidden, "\(route) with a \(scope) key answered \(status), not 403")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test("docs/api-auth.md lists exactly the routes and scopes of RouteScopes.table")
    func docsTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/api-auth.md"), encoding: .utf8)
        let documented = Set(
            text.split(separator: "\n").compactMap { line -> String? in
                let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                guard cells.count == 3, cells[1].hasPrefix("`") else { return nil }
                return "\(cells[0]) \(cells[1].trimmingCharacters(in: ["`"])) \(cells[2])"
            })
        let table = Set(
            RouteScopes.table.map { method, path, access -> String in
                let needs: String
                switch access {
                case .open: needs = "open"
                case .anyKey: needs = "any key"
                case .scope(let scope): needs = scope.rawValue
                }
                return "\(method.rawValue) \(path) \(needs)"
            })
        #expect(documented == table, "only in the docs: \(documented.subtracting(table)); only in the table: \(table.subtracting(documented))")
    }

    @Test("a route without an entry in the table stops the server from being built")
    func uncoveredRoute() throws {
        #expect(throws: ConfigurationError.self) { try RouteScopes.checkCovered(["DELETE /api/v1/load-runs/{id}/everything"]) }
        #expect(throws: ConfigurationError.self) { try RouteScopes.checkCovered(["POST /api/v1/brand-new"]) }
        // The 405 answers on known paths are covered.
        #expect(throws: Never.self) { try RouteScopes.checkCovered(["DELETE /api/v1/metrics", "GET /api/v1/alert-rules"]) }
    }

    @Test("a read key cannot ingest through a doubled slash (reproduced bypass)")
    func doubledSlash() async throws {
        try await withApp(TestKeys.configure) { client in
            let read: HTTPFields = [.authorization: "Bearer \(TestKeys.read)", .contentType: "application/json"]
            for path in ["//api/v1/metrics", "/api/v1//metrics", "//v1/traces", "//api/v1/import/prometheus", "//api/v1/load-runs", "/api//v1/deployments"] {
                let response = try await client.execute(uri: path, method: .post, headers: read, body: ByteBuffer(string: "{}"))
                #expect(response.status == .forbidden, "POST \(path) with a read key answered \(response.status)")
                #expect(response.errorMessage.contains("'ingest' scope"))
            }
            let ingest: HTTPFields = [.authorization: "Bearer \(TestKeys.ingest)", .contentType: "application/json"]
            let body = metricsBody([timing(1)])
            #expect(try await client.execute(uri: "//api/v1/metrics", method: .post, headers: ingest, body: ByteBuffer(string: body)).status == .ok)
            #expect(try await client.execute(uri: "//api/v1/metrics", method: .get, headers: ingest).status == .forbidden)
        }
    }

    @Test("a read key can change nothing: rules, silences, reload, analysis, deployments, optimizations, issues, acks")
    func readKeyWrites() async throws {
        try await withApp(TestKeys.configure) { client in
            let writes: [(HTTPRequest.Method, String)] = [
                (.post, "/api/v1/alert-rules"), (.put, "/api/v1/alert-rules/x"), (.delete, "/api/v1/alert-rules/x"),
                (.post, "/api/v1/silences"), (.delete, "/api/v1/silences/1"), (.post, "/api/v1/rules/reload"),
                (.post, "/api/v1/analysis/run"), (.post, "/api/v1/deployments"), (.post, "/api/v1/optimizations"),
                (.post, "/api/v1/optimizations/1/apply"), (.patch, "/api/v1/issues/1"), (.post, "/api/v1/alerts/1/ack"),
            ]
            for (method, path) in writes {
                let response = try await client.execute(
                    uri: path, method: method, headers: [.authorization: "Bearer \(TestKeys.read)", .contentType: "application/json"],
                    body: ByteBuffer(string: #"{"name":"x","query":"avg(x) > 1"}"#))
                #expect(response.status == .forbidden, "\(method) \(path) with a read key answered \(response.status)")
                #expect(response.errorCode == "forbidden")
            }
            // The rule list is unchanged: the POST above did not create anything.
            let rules = try await client.execute(uri: "/api/v1/alert-rules", method: .get, headers: [.authorization: "Bearer \(TestKeys.read)"])
            #expect(rules.status == .ok)
            #expect(!rules.text.contains(#""name":"x""#))
        }
    }
}

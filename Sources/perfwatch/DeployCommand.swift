import ArgumentParser
import Foundation
import PerfwatchHTTPClient

struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deploy markers: tell Perfwatch a release went live.",
        discussion: """
            Examples:
              perfwatch deploy mark --service learnhub-web --version 1.2.0
              perfwatch deploy mark --server http://perf:4318 --service api --version 2.4
            """,
        subcommands: [Mark.self])

    struct Mark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mark",
            abstract: "Record a deploy marker; the analyzers compare each route before and after it.",
            discussion: """
                Run it from the deploy pipeline right after the release goes live. Exits 0 once \
                the marker is stored, 1 when the server refuses it or cannot be reached.

                Examples:
                  perfwatch deploy mark --service learnhub-web --version 1.2.0
                  perfwatch deploy mark --server http://perf:4318 --service api \\
                      --version 2.4.0 --environment prod --description "new search"
                """)

        @Option(help: "Perfwatch server URL.")
        var server = "http://127.0.0.1:4318"

        @Option(help: "The service deployed (its service.name).")
        var service: String

        @Option(help: "The release deployed (its service.version).")
        var version: String

        @Option(help: "Environment, e.g. prod or staging.")
        var environment: String?

        @Option(help: "What changed.")
        var description: String?

        @Option(help: "When it went live: unix ms, RFC 3339 or relative like -5m (default now).")
        var time: String?

        @Option(help: "API key, when the server has auth on.")
        var apiKey: String?

        func run() async throws {
            guard let url = URL(string: (server.hasSuffix("/") ? String(server.dropLast()) : server) + "/api/v1/deployments"),
                url.scheme == "http" || url.scheme == "https"
            else {
                print("--server '\(server)' is not an http(s) URL")
                throw ExitCode(1)
            }
            var body: [String: String] = ["service": service, "version": version]
            if let environment { body["environment"] = environment }
            if let description { body["description"] = description }
            if let time { body["time"] = time }
            let json = try JSONSerialization.data(withJSONObject: body)
            let response: OutboundResponse
            do {
                response = try await ServerRequest.send("POST", url.absoluteString, body: Array(json), contentType: "application/json", apiKey: apiKey)
            } catch {
                print("cannot reach \(server): \(error)")
                throw ExitCode(1)
            }
            let status = response.status
            let data = Data(response.body)
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            guard status == 201, let id = object?["id"] as? NSNumber, let timeMs = object?["time"] as? NSNumber else {
                let message = ((object?["error"] as? [String: Any])?["message"] as? String) ?? String(decoding: data.prefix(300), as: UTF8.self)
                print("\(server) refused the deploy marker (HTTP \(status)): \(message)")
                throw ExitCode(1)
            }
            let when = Date(timeIntervalSince1970: timeMs.doubleValue / 1000).formatted(.iso8601)
            print("marked deploy \(id) of \(service) \(version) at \(when)")
        }
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PerfwatchModel
import PerfwatchServer
import PerfwatchServerTesting
import PerfwatchTesting
import Testing

/// Builds the real application on a temporary data directory and runs `body` against it.
func withApp<T: Sendable>(
    _ configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @Sendable (any TestClientProtocol) async throws -> T
) async throws -> T {
    try await withTemporaryDirectory { directory in
        var configuration = ServerConfiguration.testing(dataDirectory: directory)
        configure(&configuration)
        let app = try await buildApplication(configuration: configuration, logger: .testing)
        return try await app.test(.router, body)
    }
}

extension TestClientProtocol {
    @discardableResult
    func post(_ uri: String, _ body: String, headers: HTTPFields = [.contentType: "application/json"]) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    func get(_ uri: String) async throws -> TestResponse {
        try await execute(uri: uri, method: .get)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    var errorMessage: String {
        ((json["error"] as? [String: Any])?["message"] as? String) ?? ""
    }

    var errorCode: String {
        ((json["error"] as? [String: Any])?["code"] as? String) ?? ""
    }
}

func metricsBody(_ items: [String]) -> String { #"{"metrics":["# + items.joined(separator: ",") + "]}" }

func timing(_ value: Double, route: String = "/a", time: Int64? = nil, name: String = "api.request.duration") -> String {
    let timeField = time.map { ",\"time\":\($0)" } ?? ""
    return #"{"name":"\#(name)","kind":"timing","value":\#(value),"tags":{"route":"\#(route)"}\#(timeField)}"#
}

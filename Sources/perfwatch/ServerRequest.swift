import PerfwatchHTTPClient

/// The CLI's requests to a Perfwatch server (`demo`, `deploy`, `budget`), through the
/// process's shared HTTP client (`OutboundHTTP`), which `Perfwatch.main` shuts down at exit.
enum ServerRequest {
    /// The minute URLSession allowed these commands before.
    static let timeout: Duration = .seconds(60)

    static func send(
        _ method: String, _ url: String, body: [UInt8]? = nil, contentType: String? = nil, apiKey: String?
    ) async throws(OutboundHTTPError) -> OutboundResponse {
        try await OutboundHTTP.send(.perfwatchAPI(method, url, body: body, contentType: contentType, apiKey: apiKey, timeout: timeout))
    }
}

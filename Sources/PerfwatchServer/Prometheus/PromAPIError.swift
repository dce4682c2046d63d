import HTTPTypes
import PerfwatchPromQL

/// A failure answered in Prometheus' error envelope, with Prometheus' status for each type.
struct PromAPIError: Error, Sendable {
    let type: String
    let message: String

    static func badData(_ message: String) -> PromAPIError { PromAPIError(type: "bad_data", message: message) }
    static func execution(_ message: String) -> PromAPIError { PromAPIError(type: "execution", message: message) }
    static func timeout(_ message: String) -> PromAPIError { PromAPIError(type: "timeout", message: message) }
    static func internalError(_ message: String) -> PromAPIError { PromAPIError(type: "internal", message: message) }

    /// Prometheus' `returnAPIError` statuses.
    var status: HTTPResponse.Status {
        switch type {
        case "bad_data": .badRequest
        case "execution": .unprocessableContent
        case "timeout", "unavailable": .serviceUnavailable
        case "not_found": .notFound
        default: .internalServerError
        }
    }

    /// The engine's errors as Prometheus' API reports them; a syntax error names the `query` parameter.
    init(_ error: PromQLError) {
        switch error {
        case .syntax(let position, let message):
            self = .badData("invalid parameter \"query\": \(position): parse error: \(message)")
        case .badData(let message): self = .badData(message)
        case .execution(let message): self = .execution(message)
        case .timeout(let message): self = .timeout(message)
        }
    }

    init(type: String, message: String) {
        self.type = type
        self.message = message
    }
}

/// A deploy marker (`deployments`): a release of a service going live at a time, recorded by
/// `POST /api/v1/deployments` (`perfwatch deploy mark`) or detected from a new `service.version`.
public struct Deployment: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// Marked through the API or the CLI.
        case api
        /// Seen as a new `service.version` in ingested data.
        case detected
    }

    public var id: Int64
    public var service: String
    public var version: String
    public var environment: String
    public var timeMs: Int64
    public var description: String
    public var source: Source

    public init(
        id: Int64 = 0, service: String, version: String, environment: String = "", timeMs: Int64, description: String = "",
        source: Source = .api
    ) {
        self.id = id
        self.service = service
        self.version = version
        self.environment = environment
        self.timeMs = timeMs
        self.description = description
        self.source = source
    }
}

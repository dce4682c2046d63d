/// A deploy marker (`deployments`): a release of a service going live at a time, recorded by
/// `POST /api/v1/deployments` (`perfwatch deploy mark`) or detected from a new `service.version`.
public struct Deployment: Sendable, Equatable, Encodable {
    public enum Source: String, Sendable, Encodable {
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

    /// As the deployments API writes it (`time`: unix ms).
    enum CodingKeys: String, CodingKey {
        case id, service, version, environment, timeMs = "time", description, source
    }

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

public import PerfwatchModel

/// Deploy markers (the Storage API side of `deployments`).
public protocol DeploymentStore: Sendable {
    /// Stores a marker as given (API/CLI); returns it with its id.
    func addDeployment(_ deployment: Deployment) async throws -> Deployment
    /// Stores a detected marker unless one already exists for the service and version (marked
    /// or detected); returns it when stored.
    func addDetectedDeployment(_ deployment: Deployment) async throws -> Deployment?
    /// Markers with `from <= time <= to`, of one service when given, oldest first.
    func deployments(service: String?, from: Int64, to: Int64, limit: Int) async throws -> [Deployment]
    func deployment(id: Int64) async throws -> Deployment?
    /// (service, version) pairs that already have a marker, so detection skips them cheaply.
    func deployedVersions() async throws -> Set<ServiceVersion>
}

public struct ServiceVersion: Sendable, Hashable {
    public var service: String
    public var version: String

    public init(service: String, version: String) {
        self.service = service
        self.version = version
    }
}

/// A saved dashboard (issue 15): a board of panels a user built. The board itself is its JSON
/// document, checked by the server before it is stored (`DashboardDocument`); the store keeps it as it is.
public struct StoredDashboard: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var json: String
    public var createdMs: Int64
    public var updatedMs: Int64

    public init(id: Int64, name: String, json: String, createdMs: Int64, updatedMs: Int64) {
        self.id = id
        self.name = name
        self.json = json
        self.createdMs = createdMs
        self.updatedMs = updatedMs
    }
}

/// Saved dashboards, with the other metadata of the embedded store.
public protocol DashboardStore: Sendable {
    /// Stores a new board; its id is assigned.
    func addDashboard(name: String, json: String, nowMs: Int64) async throws -> StoredDashboard
    func dashboard(id: Int64) async throws -> StoredDashboard?
    /// By name.
    func dashboards() async throws -> [StoredDashboard]
    /// Replaces a board; nil when there is none with that id.
    func updateDashboard(id: Int64, name: String, json: String, nowMs: Int64) async throws -> StoredDashboard?
    /// Whether there was one to delete.
    func deleteDashboard(id: Int64) async throws -> Bool
}

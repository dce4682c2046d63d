/// One published edge policy (`edge_policies`): versions only grow, and every one is kept, so
/// a rollback can restore what an earlier version said and the dashboard can show the history.
public struct StoredEdgePolicy: Sendable, Equatable {
    public var version: Int64
    /// The policy's wire JSON (`EdgePolicy.jsonBytes()`), exactly as edges receive it.
    public var json: String
    public var publishedMs: Int64
    /// Why it was published: "published by hand", "optimization 7 applied", "rollback of 7: …".
    public var reason: String

    public init(version: Int64, json: String, publishedMs: Int64, reason: String) {
        self.version = version
        self.json = json
        self.publishedMs = publishedMs
        self.reason = reason
    }
}

/// The versioned edge policies the server publishes to `perfwatch edge` instances.
public protocol EdgePolicyStore: Sendable {
    /// Stores a new version; it must be one more than the latest (or 1 for the first).
    func addEdgePolicy(_ policy: StoredEdgePolicy) async throws
    func edgePolicy(version: Int64) async throws -> StoredEdgePolicy?
    /// Newest first.
    func edgePolicies(limit: Int) async throws -> [StoredEdgePolicy]
}

/// Settings of the embedded SQLite store.
public struct EmbeddedStoreConfiguration: Sendable {
    /// Data directory; created when missing.
    public var directory: String
    public var retention: RetentionPolicy
    /// `true`: every commit is fsynced (survives power loss). `false`: survives a killed process
    /// (SIGKILL) but not a power cut, and commits are faster.
    public var fsyncEachCommit: Bool
    /// Samples per counter/gauge chunk before a new chunk starts.
    public var maxSamplesPerChunk: Int

    public init(
        directory: String, retention: RetentionPolicy = RetentionPolicy(), fsyncEachCommit: Bool = true,
        maxSamplesPerChunk: Int = 480
    ) {
        self.directory = directory
        self.retention = retention
        self.fsyncEachCommit = fsyncEachCommit
        self.maxSamplesPerChunk = maxSamplesPerChunk
    }
}

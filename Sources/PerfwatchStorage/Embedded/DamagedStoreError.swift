/// The data directory's SQLite file cannot be read: not a database, malformed pages, or a
/// WAL that does not fit it. `perfwatch serve` stops with this message and exit status
/// `exitStatus` (a supervisor can stop restarting on it) instead of failing again and again;
/// `perfwatch store check` and `perfwatch store repair` are the way back (docs/operations.md).
public struct DamagedStoreError: Error, Sendable, CustomStringConvertible {
    /// Distinct from 1 (any other start failure) so `RestartPreventExitStatus=3` in a systemd
    /// unit stops a restart loop that could not succeed.
    public static let exitStatus: Int32 = 3

    public let directory: String
    public let problem: String

    public init(directory: String, problem: String) {
        self.directory = directory
        self.problem = problem
    }

    public var description: String {
        """
        the store in \(directory) is damaged: \(problem)
          see what is readable:  perfwatch store check --data \(directory)
          rebuild it:            perfwatch store repair --data \(directory)   (copies every readable row into a new file; the damaged one is kept beside it)
        """
    }
}

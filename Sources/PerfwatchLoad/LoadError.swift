/// An error that stops a load run before or while it starts, with a stable code.
///
/// The command maps `.configuration` and `.unreachable` to exit code 2, so CI can tell
/// "the test itself is wrong" apart from "the system under test failed a threshold" (1).
public struct LoadError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Stable, machine-readable category.
    public enum Code: String, Sendable {
        /// The scenario file or the command-line options are invalid.
        case configuration
        /// The pre-flight connection to the target failed.
        case unreachable
        /// Pushing the report to a Perfwatch server failed.
        case upload
        /// Reading or writing a local file failed.
        case io
    }

    public var code: Code
    /// Human message naming the field (`config.phases[0].arrivalRate`) and the problem.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func config(_ path: String, _ problem: String) -> LoadError {
        LoadError(.configuration, path.isEmpty ? problem : "\(path): \(problem)")
    }
}

/// What stops an audit run, with a sentence for the person who started it.
public enum LabError: Error, Sendable, CustomStringConvertible {
    /// The browser could not start, exited or crashed; the next run starts a new one.
    case browser(String)
    /// A DevTools command got no answer in time.
    case timeout(String)
    /// The browser answered a command with an error.
    case protocolError(String)
    /// The page could not be loaded at all (DNS, refused connection, TLS).
    case navigation(String)

    public var description: String {
        switch self {
        case .browser(let message): "browser: \(message)"
        case .timeout(let message): "timeout: \(message)"
        case .protocolError(let message): "DevTools: \(message)"
        case .navigation(let message): message
        }
    }
}

public import PerfwatchAnalysis
import PostgresNIO

/// postgres-nio's errors as the advisor's: SQLSTATE 42501 (and other class 42 privilege
/// errors) → permission denied; class 28 (authentication), 3D000 (no such database), 57P03
/// (starting up) and any connection-level failure → unreachable, with PostgreSQL's message.
public enum PostgresErrors {
    public static func map(_ error: any Error) -> DatabaseSourceError {
        if let mapped = error as? DatabaseSourceError { return mapped }
        guard let psql = error as? PSQLError else { return .unreachable(message(error)) }
        guard psql.code == .server, let state = psql.serverInfo?[.sqlState] else { return .unreachable(message(error)) }
        let text = message(error)
        switch state {
        case "42501": return .permissionDenied(text)
        case _ where state.hasPrefix("28"), "3D000", "57P03", "53300": return .unreachable(text)
        default: return .database(sqlState: state, message: text)
        }
    }

    /// PostgreSQL's own message (with its detail) when it sent one, else the driver's.
    public static func message(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let info = psql.serverInfo, let message = info[.message] {
                return [message, info[.detail]].compactMap { $0 }.joined(separator: ": ")
            }
            if let underlying = psql.underlying { return "\(psql.code): \(underlying)" }
            return "\(psql.code)"
        }
        return "\(error)"
    }
}

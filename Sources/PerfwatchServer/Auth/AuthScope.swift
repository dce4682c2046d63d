/// What an API key (or a dashboard session made from one) may do. `admin` includes the other
/// two; `ingest` and `read` are separate so a key handed to an app cannot read data back, and
/// a key handed to a viewer cannot write.
public enum AuthScope: String, Sendable, CaseIterable, Comparable {
    case ingest
    case read
    case admin

    public static func < (lhs: AuthScope, rhs: AuthScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The scope names a configuration or `perfwatch keys create` accepts, for error messages.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}

/// What a route asks of the caller.
enum RouteAccess: Sendable, Equatable {
    /// Open to anyone: health checks, the dashboard's files, the browser snippet and beacon
    /// endpoint (which checks its own public browser keys), and the login exchange itself.
    case open
    /// Any valid key or session, whatever its scopes: answers that execute nothing (405 for a
    /// method a path does not serve, 404 for a path no route serves).
    case anyKey
    case scope(AuthScope)

    func allows(_ scopes: Set<AuthScope>) -> Bool {
        switch self {
        case .open, .anyKey: true
        case .scope(let needed): scopes.contains(needed) || scopes.contains(.admin)
        }
    }
}

import PerfwatchModel

/// `GET`/`POST /api/v1/session`: whether auth is on and this browser logged in; when it is, the
/// CSRF token to send on writes and the key's scopes (absent otherwise).
struct SessionState: Encodable {
    let auth: Bool
    let session: Bool
    @OmittedWhenNil var csrf: String? = nil
    @OmittedWhenNil var scopes: [String]? = nil

    static let authOff = SessionState(auth: false, session: false)
    static let loggedOut = SessionState(auth: true, session: false)

    init(auth: Bool, session: Bool) {
        self.auth = auth
        self.session = session
    }

    /// A logged-in session: its token and scopes in `AuthScope` order.
    init(csrf: String, scopes: Set<AuthScope>) {
        auth = true
        session = true
        self.csrf = csrf
        self.scopes = AuthScope.allCases.filter(scopes.contains).map(\.rawValue)
    }
}

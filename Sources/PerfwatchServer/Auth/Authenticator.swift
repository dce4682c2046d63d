import Foundation
import Hummingbird

/// Who may call: the keys in force and the dashboard sessions made from them.
struct Authenticator: Sendable {
    let keys: APIKeyRing
    let sessions: DashboardSessions
    /// Beyond loopback the server refused to start without keys; if every key is revoked while
    /// it runs, everything is refused rather than opened.
    let alwaysOn: Bool

    /// Auth is on when any key exists (or the server listens beyond loopback).
    var isOn: Bool { alwaysOn || !keys.isEmpty }

    init(configuration: ServerConfiguration) throws {
        keys = try APIKeyRing(configured: configuration.apiKeys, file: APIKeyFile(dataDirectory: configuration.dataDirectory))
        sessions = DashboardSessions()
        alwaysOn = !configuration.isLoopback
    }

    /// `Authorization: Bearer KEY` or `X-API-Key: KEY`.
    static func presentedKey(_ request: Request) -> String? {
        if let key = request.headers[.init("X-API-Key")!] { return key }
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            return String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// The live session named by the request's cookie, with its key's current scopes.
    func session(_ request: Request) -> (id: String, session: DashboardSessions.Session, scopes: Set<AuthScope>)? {
        guard let id = request.cookies[DashboardSessions.cookieName]?.value, let session = sessions.session(id: id),
            let scopes = keys.scopes(digest: session.keyDigest)
        else { return nil }
        return (id, session, scopes)
    }
}

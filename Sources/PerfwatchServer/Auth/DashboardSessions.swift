import Foundation
import PerfwatchModel
import Synchronization

/// Dashboard logins: a random session id (the HttpOnly cookie) standing for the key that logged
/// in, and a CSRF token the page must echo in `X-Perfwatch-CSRF` on every write. Kept in memory:
/// sessions end when the server restarts (the dashboard then shows its login form again), and
/// after `lifetime`. Each use checks the key is still valid, so revoking a key ends its sessions.
final class DashboardSessions: Sendable {
    struct Session: Sendable {
        let keyDigest: [UInt8]
        let csrf: String
        let expires: Double
    }

    static let cookieName = "perfwatch_session"
    static let csrfHeader = "X-Perfwatch-CSRF"

    let lifetimeSeconds: Double
    private let maxSessions: Int
    /// By the SHA-256 of the session id, so a lookup's timing says nothing about stored ids.
    private let sessions = Mutex<[String: Session]>([:])

    init(lifetimeSeconds: Double = 12 * 3600, maxSessions: Int = 10_000) {
        self.lifetimeSeconds = lifetimeSeconds
        self.maxSessions = maxSessions
    }

    /// A new session for the key with this digest: its id and CSRF token.
    func create(keyDigest: [UInt8], now: Double = ProcessInfo.processInfo.systemUptime) -> (id: String, csrf: String) {
        let id = Self.randomToken()
        let csrf = Self.randomToken()
        sessions.withLock { sessions in
            if sessions.count >= maxSessions {
                sessions = sessions.filter { $0.value.expires > now }
                // Still full: the oldest logins give way, so logins cannot be refused wholesale.
                while sessions.count >= maxSessions, let oldest = sessions.min(by: { $0.value.expires < $1.value.expires }) {
                    sessions[oldest.key] = nil
                }
            }
            sessions[SHA256.hex(id)] = Session(keyDigest: keyDigest, csrf: csrf, expires: now + lifetimeSeconds)
        }
        return (id, csrf)
    }

    func session(id: String, now: Double = ProcessInfo.processInfo.systemUptime) -> Session? {
        let hash = SHA256.hex(id)
        return sessions.withLock { sessions in
            guard let session = sessions[hash] else { return nil }
            guard session.expires > now else {
                sessions[hash] = nil
                return nil
            }
            return session
        }
    }

    func end(id: String) { _ = sessions.withLock { $0.removeValue(forKey: SHA256.hex(id)) } }

    /// 32 random bytes as hex.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func csrfMatches(_ presented: String?, _ session: Session) -> Bool {
        guard let presented else { return false }
        return SHA256.constantTimeEqual(Array(presented.utf8), Array(session.csrf.utf8))
    }
}

import Foundation
import PerfwatchModel
import Synchronization

/// Every key the server accepts: the configuration's (`auth.keys`, `PERFWATCH_API_KEY`) and the
/// stored ones (`perfwatch keys create`), all held as SHA-256 digests and compared in constant
/// time. The keys file is re-read at most once a second, on use, so a created key
/// works and a revoked one stops working (with the sessions made from it) within a second.
final class APIKeyRing: Sendable {
    struct Entry: Sendable {
        let digest: [UInt8]
        let scopes: Set<AuthScope>
    }

    private struct State {
        var stored: [Entry] = []
        var checked = -Double.infinity
    }

    private let configured: [Entry]
    private let file: APIKeyFile?
    private let state = Mutex(State())

    init(configured keys: [ServerConfiguration.APIKey], file: APIKeyFile?) throws {
        configured = keys.map { key in Entry(digest: SHA256.digest(key.key), scopes: Set(key.scopes.compactMap(AuthScope.init(rawValue:)))) }
        self.file = file
        try reload(now: ProcessInfo.processInfo.systemUptime, force: true)
    }

    /// Whether any key exists (auth is on).
    var isEmpty: Bool {
        refresh()
        return configured.isEmpty && state.withLock { $0.stored.isEmpty }
    }

    /// The scopes of the key whose digest is `digest`; nil for an unknown (or revoked) key.
    func scopes(digest: [UInt8]) -> Set<AuthScope>? {
        refresh()
        let stored = state.withLock { $0.stored }
        var found: Set<AuthScope>?
        // Every entry is compared, so the time taken does not tell which one matched.
        for entry in configured + stored where SHA256.constantTimeEqual(entry.digest, digest) {
            found = (found ?? []).union(entry.scopes)
        }
        return found
    }

    func scopes(key: String) -> Set<AuthScope>? { scopes(digest: SHA256.digest(key)) }

    private func refresh() {
        try? reload(now: ProcessInfo.processInfo.systemUptime, force: false)
    }

    private func reload(now: Double, force: Bool) throws {
        guard let file else { return }
        let due = state.withLock { state in
            guard force || now - state.checked >= 1 else { return false }
            state.checked = now
            return true
        }
        guard due else { return }
        // Re-read whole rather than by modification time, whose resolution could hide a second
        // change within the same tick; the file is small. A file that cannot be read keeps the keys last read (a half-edited file must not turn
        // auth off); at start it is an error.
        let keys = try file.load()
        let entries = keys.compactMap { key -> Entry? in
            guard let digest = Hex.decode(key.sha256), digest.count == 32 else { return nil }
            return Entry(digest: digest, scopes: Set(key.scopes.compactMap(AuthScope.init(rawValue:))))
        }
        state.withLock { $0.stored = entries }
    }
}

import Synchronization

/// Statements by query fingerprint for alert messages, remembered: a fingerprint is the hash of its
/// normalized statement, so what it stands for never changes, and a rule grouped by fingerprint would
/// otherwise read the span store at every evaluation (issue 15, #9's follow-up). Fingerprints the store
/// does not know are asked again next time (the statement may arrive later). Bounded: past `capacity`
/// entries it starts over.
final class StatementCache: Sendable {
    let capacity: Int
    private let lookup: @Sendable ([String]) async throws -> [String: String]
    private let known = Mutex<[String: String]>([:])

    init(capacity: Int = 10_000, lookup: @escaping @Sendable ([String]) async throws -> [String: String]) {
        self.capacity = capacity
        self.lookup = lookup
    }

    func statements(_ fingerprints: [String]) async throws -> [String: String] {
        var found: [String: String] = [:]
        let missing = known.withLock { known in
            fingerprints.filter { fingerprint in
                guard let statement = known[fingerprint] else { return true }
                found[fingerprint] = statement
                return false
            }
        }
        guard !missing.isEmpty else { return found }
        let fetched = try await lookup(missing)
        known.withLock { known in
            if known.count + fetched.count > capacity { known.removeAll(keepingCapacity: true) }
            known.merge(fetched) { _, new in new }
        }
        return found.merging(fetched) { _, new in new }
    }
}

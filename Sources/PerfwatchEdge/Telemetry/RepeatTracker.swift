import Synchronization

/// `perfwatch.edge.repeat`: whether a response body is the same as the last one seen for the same
/// method and URL (`first|same|changed`) — the evidence for "94% of its responses were identical".
/// Keeps one 64-bit hash per URL, at most `capacity` URLs (then it starts over: a bounded map
/// that forgets beats one that grows with every query string).
final class RepeatTracker: Sendable {
    private let seen = Mutex<[String: UInt64]>([:])
    let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = capacity }

    func classify(method: String, target: String, hash: UInt64) -> String {
        let key = method + " " + target
        return seen.withLock { seen in
            if let last = seen.updateValue(hash, forKey: key) { return last == hash ? "same" : "changed" }
            if seen.count > capacity {
                seen.removeAll(keepingCapacity: true)
                seen[key] = hash
            }
            return "first"
        }
    }
}

/// FNV-1a over a body as it streams by.
struct BodyHash {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ bytes: some Sequence<UInt8>) {
        var hash = value
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        value = hash
    }
}

/// A key-value store bounded by total bytes: inserting past the bound evicts the least recently used
/// keys first. O(1) per operation (a dictionary of nodes chained in recency order). Not thread-safe:
/// `ResponseCache` holds it under its lock.
struct LRUStore<Value> {
    private struct Node {
        var value: Value
        var bytes: Int
        var newer: String?
        var older: String?
    }

    let maxBytes: Int
    private var nodes: [String: Node] = [:]
    private var newest: String?
    private var oldest: String?
    private(set) var bytes = 0

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    var keys: [String] { Array(nodes.keys) }
    var values: [Value] { nodes.values.map(\.value) }

    /// The value, now the most recently used.
    mutating func use(_ key: String) -> Value? {
        guard let node = nodes[key] else { return nil }
        unlink(key, node)
        linkAsNewest(key)
        return node.value
    }

    /// Peeks without touching recency.
    func peek(_ key: String) -> Value? { nodes[key]?.value }

    /// Inserts or replaces, then evicts the oldest other keys until within `maxBytes`; returns how many
    /// were evicted. A value larger than the whole store is not kept (and counts as no eviction).
    @discardableResult
    mutating func set(_ key: String, _ value: Value, bytes size: Int) -> Int {
        remove(key)
        guard size <= maxBytes else { return 0 }
        nodes[key] = Node(value: value, bytes: size)
        bytes += size
        linkAsNewest(key)
        var evicted = 0
        while bytes > maxBytes, let victim = oldest, victim != key {
            remove(victim)
            evicted += 1
        }
        return evicted
    }

    @discardableResult
    mutating func remove(_ key: String) -> Value? {
        guard let node = nodes[key] else { return nil }
        unlink(key, node)
        nodes[key] = nil
        bytes -= node.bytes
        return node.value
    }

    private mutating func unlink(_ key: String, _ node: Node) {
        if let newer = node.newer { nodes[newer]?.older = node.older } else { newest = node.older }
        if let older = node.older { nodes[older]?.newer = node.newer } else { oldest = node.newer }
    }

    private mutating func linkAsNewest(_ key: String) {
        nodes[key]?.newer = nil
        nodes[key]?.older = newest
        if let previous = newest { nodes[previous]?.newer = key }
        newest = key
        if oldest == nil { oldest = key }
    }
}

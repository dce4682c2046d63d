import Foundation
import PerfwatchConfig
import PerfwatchEdgePolicy
import PerfwatchModel
import PerfwatchStorage

/// The edge policy the server publishes, and what the edges say about it.
///
/// - The current policy (loaded from `EdgePolicyStore` on first use) and `publish`, which stores
///   version + 1 and wakes every edge waiting in a long poll (`waitForChange`).
/// - The edges' last reports (`EdgeReports`), in memory: an edge reports every 5 s and only the
///   last one counts, so a restart loses nothing an edge will not say again within seconds, and
///   the store is not written 12 times a minute per edge for state nobody reads later.
/// - Edge optimizations: applying publishes the change; the optimization gets its `applied_at`
///   when every edge connected (reported in the last 30 s) runs that version or a later one, or
///   at once when no edge is connected (`EdgePolicyService+Optimizations`).
actor EdgePolicyService {
    /// The policy edges get, with the wire JSON they are sent (encoded once per version).
    struct Current: Sendable {
        let policy: EdgePolicy
        let json: [UInt8]
        var version: Int64 { policy.version }
    }

    /// Edges that reported within this are "connected": an apply waits for them to confirm.
    static let connectedWindowMs: Int64 = 30_000
    /// The longest long poll (`wait`).
    static let maxWaitMs: Int64 = 60_000

    let store: any EdgePolicyStore
    let optimizations: any OptimizationStore
    let clock: @Sendable () -> Int64
    private var loaded: Current?
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0
    private var shuttingDown = false
    var reports = EdgeReports()
    /// Optimization id → the policy version whose confirmation sets its `applied_at`.
    var awaitingConfirmation: [Int64: Int64] = [:]
    var recoveredAwaitingConfirmation = false

    init(store: any EdgePolicyStore, optimizations: any OptimizationStore, clock: @escaping @Sendable () -> Int64 = { TimeParsing.nowMs() }) {
        self.store = store
        self.optimizations = optimizations
        self.clock = clock
    }

    /// Version 0 with no rules until something is published.
    func current() async throws -> Current {
        if let loaded { return loaded }
        let policy: EdgePolicy
        if let stored = try await store.edgePolicies(limit: 1).first {
            policy = try Self.decode(stored)
        } else {
            policy = EdgePolicy()
        }
        // Another caller may have loaded (or published) while this one read the store.
        if let loaded { return loaded }
        let current = Current(policy: policy, json: policy.jsonBytes())
        loaded = current
        return current
    }

    /// The policy of `version` as it was published (version 0: the empty one); nil when unknown.
    func policy(version: Int64) async throws -> EdgePolicy? {
        if version == 0 { return EdgePolicy() }
        return try await store.edgePolicy(version: version).map(Self.decode)
    }

    /// Publishes `policy` as the next version and wakes the long polls.
    @discardableResult
    func publish(_ policy: EdgePolicy, reason: String) async throws -> Current {
        var next = policy
        next.version = try await current().version + 1
        let json = next.jsonText
        try await store.addEdgePolicy(StoredEdgePolicy(version: next.version, json: json, publishedMs: clock(), reason: reason))
        let published = Current(policy: next, json: Array(json.utf8))
        loaded = published
        for waiter in waiters.values { waiter.resume() }
        waiters.removeAll()
        return published
    }

    /// The current policy when its version is not `known`; otherwise waits up to `timeout` for a
    /// publish and answers the new one, or nil when nothing changed (the caller answers 304).
    func waitForChange(from known: Int64?, timeout: Duration) async throws -> Current? {
        let now = try await current()
        if now.version != known { return now }
        if timeout <= .zero || shuttingDown { return nil }
        let id = nextWaiter
        nextWaiter += 1
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.wake(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in waiters[id] = continuation }
        } onCancel: {
            Task { [weak self] in await self?.wake(id) }
        }
        timer.cancel()
        let after = try await current()
        return after.version != known ? after : nil
    }

    private func wake(_ id: Int) {
        waiters.removeValue(forKey: id)?.resume()
    }

    /// At shutdown (the route's graceful-shutdown handler): every long poll is answered now (304)
    /// and new ones at once, so held requests do not keep the HTTP server open for up to a minute.
    func releaseWaiters() {
        shuttingDown = true
        for waiter in waiters.values { waiter.resume() }
        waiters.removeAll()
    }

    /// Long polls waiting now (tests).
    var waiting: Int { waiters.count }

    static func decode(_ stored: StoredEdgePolicy) throws -> EdgePolicy {
        do {
            return try EdgePolicy.parse(json: Array(stored.json.utf8), what: "stored edge policy \(stored.version)")
        } catch {
            throw PerfwatchError(.internal, "stored edge policy \(stored.version) cannot be read: \(error)")
        }
    }
}

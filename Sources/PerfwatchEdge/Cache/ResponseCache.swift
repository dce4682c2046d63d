public import PerfwatchEdgePolicy
import Synchronization

/// The edge's shared HTTP cache (RFC 9111), in memory, bounded by bytes (LRU) with a cap per entry.
/// Policy comes per request as a `CacheRule`; the proxy calls `respond` for routes that have one and
/// sets `X-Cache` from the outcome.
public final class ResponseCache: Sendable {
    public enum Outcome: String, Sendable {
        case hit = "HIT", miss = "MISS", stale = "STALE", revalidated = "REVALIDATED", bypass = "BYPASS"
    }

    public typealias Fetch = @Sendable (EdgeRequest) async throws -> EdgeResponse

    private struct State {
        var store: LRUStore<CachedVariants>
        /// Misses being fetched, by coalescing key; later misses of the same key wait for them.
        var filling: [String: Task<Fill, any Error>] = [:]
        /// URLs with a stale-while-revalidate refresh under way (one each).
        var refreshing: Set<String> = []
        var counters = CacheStatistics()
    }

    /// What a cache fill fetched, and whether another client may be given it.
    private struct Fill: Sendable {
        var response: EdgeResponse
        var entry: CachedResponse?
    }

    private let state: Mutex<State>
    private let maxEntryBytes: Int
    private let clock: @Sendable () -> Int64

    public init(maxBytes: Int, maxEntryBytes: Int, clock: @escaping @Sendable () -> Int64) {
        state = Mutex(State(store: LRUStore(maxBytes: maxBytes)))
        self.maxEntryBytes = min(maxEntryBytes, maxBytes)
        self.clock = clock
    }

    /// The whole shared-cache flow for one request under `rule`: lookup (with Vary), freshness, conditional
    /// revalidation through `fetch`, coalescing of concurrent misses of one URL, stale-while-revalidate,
    /// stale-if-error (fetch throws or answers 5xx), storing when storable.
    public func respond(to request: EdgeRequest, rule: CacheRule, fetch: @escaping Fetch) async throws -> (EdgeResponse, Outcome) {
        if let hit = freshHit(for: request, rule: rule) { return (hit, .hit) }
        let requestDirectives = rule.override
            ? CacheDirectives() : CacheDirectives(cacheControl: request.header("cache-control"), pragma: request.header("pragma"))
        if CacheAdmission.bypasses(request, rule: rule, directives: requestDirectives) {
            let response = try await fetch(request)
            // An unsafe method that succeeded invalidates what the cache holds for that URL (§4.4).
            if request.method != "GET", request.method != "HEAD", response.status < 400 { _ = purge(exactly: request.target) }
            count(.bypass)
            return (response, .bypass)
        }
        let nowMs = clock()
        guard let entry = lookup(request) else { return try await fill(request, rule: rule, fetch: fetch) }
        let ageMs = entry.ageMs(at: nowMs)
        let clientWantsCheck = requestDirectives.noCache || requestDirectives.maxAgeSeconds.map { ageMs > $0 * 1000 } ?? false
        if !clientWantsCheck, entry.isFresh(at: nowMs) {  // filled since `freshHit` looked
            count(.hit)
            return (Validation.answer(entry.response, to: request, ageMs: ageMs), .hit)
        }
        if !clientWantsCheck, entry.withinStaleWhileRevalidate(at: nowMs) {
            refreshInBackground(request, entry: entry, rule: rule, fetch: fetch)
            count(.stale)
            return (Validation.answer(entry.response, to: request, ageMs: ageMs), .stale)
        }
        return try await revalidate(request, entry: entry, rule: rule, fetch: fetch)
    }

    /// A fresh hit answered without waiting on anything (the pass-through handler serves these on
    /// the event loop), or nil when `respond` has more to do: a miss, a stale entry, a bypass, or a
    /// client that wants the entry checked.
    public func freshHit(for request: EdgeRequest, rule: CacheRule) -> EdgeResponse? {
        let requestDirectives = rule.override
            ? CacheDirectives() : CacheDirectives(cacheControl: request.header("cache-control"), pragma: request.header("pragma"))
        guard !CacheAdmission.bypasses(request, rule: rule, directives: requestDirectives), let entry = lookup(request) else { return nil }
        let nowMs = clock()
        let ageMs = entry.ageMs(at: nowMs)
        let clientWantsCheck = requestDirectives.noCache || requestDirectives.maxAgeSeconds.map { ageMs > $0 * 1000 } ?? false
        guard !clientWantsCheck, entry.isFresh(at: nowMs) else { return nil }
        count(.hit)
        return Validation.answer(entry.response, to: request, ageMs: ageMs)
    }

    /// Removes every stored response whose target starts with `prefix` ("/" empties the cache); returns
    /// how many were removed.
    public func purge(prefix: String) -> Int {
        state.withLock { state in
            var removed = 0
            for key in state.store.keys where key.hasPrefix(prefix) {
                removed += state.store.remove(key)?.variants.count ?? 0
            }
            return removed
        }
    }

    public var statistics: CacheStatistics {
        state.withLock { state in
            var statistics = state.counters
            statistics.entries = state.store.values.reduce(0) { $0 + $1.variants.count }
            statistics.bytes = state.store.bytes
            return statistics
        }
    }

    /// Stale-while-revalidate refreshes still running (tests wait for them).
    var refreshesInFlight: Int { state.withLock { $0.refreshing.count } }

    // MARK: - The steps of `respond`

    private func lookup(_ request: EdgeRequest) -> CachedResponse? {
        state.withLock { $0.store.use(CacheKey.primary(request))?.variant(for: request) }
    }

    /// A miss: the first request for a key fetches; requests for the same key arriving meanwhile wait and
    /// share its response when it is storable and their headers select the same variant.
    private func fill(_ request: EdgeRequest, rule: CacheRule, fetch: @escaping Fetch) async throws -> (EdgeResponse, Outcome) {
        let key = coalescingKey(request, rule: rule)
        let (task, isLeader) = state.withLock { state -> (Task<Fill, any Error>, Bool) in
            if let running = state.filling[key] { return (running, false) }
            let task = Task { [self] in
                defer { self.state.withLock { _ = $0.filling.removeValue(forKey: key) } }
                let response = try await fetch(Validation.upstreamRequest(for: request))
                return Fill(response: response, entry: store(response, for: request, rule: rule))
            }
            state.filling[key] = task
            return (task, true)
        }
        let filled = try await task.value
        if isLeader {
            count(.miss)
            return (Validation.answer(filled.response, to: request, ageMs: nil), .miss)
        }
        if let entry = filled.entry,
           entry.varyValues == CacheKey.varyValues(of: request, names: CacheKey.varyNames(response: filled.response, rule: rule)) {
            count(.hit)
            return (Validation.answer(entry.response, to: request, ageMs: entry.ageMs(at: clock())), .hit)
        }
        // Not shareable (private, Set-Cookie, …) or another variant: this client asks for itself.
        let response = try await fetch(Validation.upstreamRequest(for: request))
        _ = store(response, for: request, rule: rule)
        count(.miss)
        return (Validation.answer(response, to: request, ageMs: nil), .miss)
    }

    /// A stale entry (or one the client wants checked): a conditional request upstream. 304 refreshes the
    /// entry; an error or 5xx serves it stale within stale-if-error; anything else replaces it.
    private func revalidate(_ request: EdgeRequest, entry: CachedResponse, rule: CacheRule,
                            fetch: Fetch) async throws -> (EdgeResponse, Outcome) {
        let response: EdgeResponse
        do {
            response = try await fetch(Validation.upstreamRequest(for: request, revalidating: entry))
        } catch {
            guard entry.withinStaleIfError(at: clock()) else { throw error }
            return servedStale(entry, to: request)
        }
        if response.status >= 500, entry.withinStaleIfError(at: clock()) { return servedStale(entry, to: request) }
        if response.status == 304 {
            let names = CacheKey.varyNames(response: entry.response, rule: rule)
            let nowMs = clock()
            if let refreshed = Validation.refreshed(entry, with: response, request: request, rule: rule, varyNames: names, nowMs: nowMs) {
                put(refreshed, for: request, varyNames: names)
                count(.revalidated)
                return (Validation.answer(refreshed.response, to: request, ageMs: refreshed.ageMs(at: nowMs)), .revalidated)
            }
            // The 304's headers make the entry unstorable (now `no-store`, say): serve it this once, drop it.
            _ = purge(exactly: request.target)
            count(.revalidated)
            return (Validation.answer(entry.response, to: request, ageMs: nil), .revalidated)
        }
        _ = store(response, for: request, rule: rule)
        count(.miss)
        return (Validation.answer(response, to: request, ageMs: nil), .miss)
    }

    private func servedStale(_ entry: CachedResponse, to request: EdgeRequest) -> (EdgeResponse, Outcome) {
        count(.stale)
        return (Validation.answer(entry.response, to: request, ageMs: entry.ageMs(at: clock())), .stale)
    }

    /// One background revalidation per URL; the stale entry is served meanwhile.
    private func refreshInBackground(_ request: EdgeRequest, entry: CachedResponse, rule: CacheRule, fetch: @escaping Fetch) {
        let key = CacheKey.primary(request)
        guard state.withLock({ $0.refreshing.insert(key).inserted }) else { return }
        Task { [self] in
            defer { state.withLock { _ = $0.refreshing.remove(key) } }
            // Stale-if-error does not apply here: nobody waits for this answer. A failure leaves the entry.
            _ = try? await revalidateQuietly(request, entry: entry, rule: rule, fetch: fetch)
        }
    }

    private func revalidateQuietly(_ request: EdgeRequest, entry: CachedResponse, rule: CacheRule, fetch: Fetch) async throws {
        let response = try await fetch(Validation.upstreamRequest(for: request, revalidating: entry))
        let names = CacheKey.varyNames(response: entry.response, rule: rule)
        if response.status == 304 {
            if let refreshed = Validation.refreshed(entry, with: response, request: request, rule: rule, varyNames: names, nowMs: clock()) {
                put(refreshed, for: request, varyNames: names)
            }
        } else if response.status < 500 {
            _ = store(response, for: request, rule: rule)
        }
    }

    // MARK: - Storage

    /// Stores `response` when RFC 9111 and the rule allow it and it fits the entry cap; returns the entry
    /// when the response is shareable (even if too large to keep).
    private func store(_ response: EdgeResponse, for request: EdgeRequest, rule: CacheRule) -> CachedResponse? {
        let names = CacheKey.varyNames(response: response, rule: rule)
        guard let entry = CacheAdmission.entry(for: response, request: Validation.upstreamRequest(for: request), rule: rule,
                                               varyNames: names, nowMs: clock())
        else { return nil }
        put(entry, for: request, varyNames: names)
        return entry
    }

    private func put(_ entry: CachedResponse, for request: EdgeRequest, varyNames: [String]) {
        guard entry.bytes <= maxEntryBytes else { return }
        let key = CacheKey.primary(request)
        state.withLock { state in
            var record = state.store.peek(key) ?? CachedVariants(varyNames: varyNames, variants: [])
            // A response that varies on other headers than the stored ones replaces them all.
            if record.varyNames != varyNames { record = CachedVariants(varyNames: varyNames, variants: []) }
            record.variants.removeAll { $0.varyValues == entry.varyValues }
            record.variants.append(entry)
            state.counters.evictions += state.store.set(key, record, bytes: record.bytes)
        }
    }

    private func purge(exactly target: String) -> Int {
        state.withLock { $0.store.remove(target)?.variants.count ?? 0 }
    }

    /// The URL plus the values of the headers it is known to vary on (the rule's, and the stored
    /// response's if any), so clients that would get different variants are not coalesced.
    private func coalescingKey(_ request: EdgeRequest, rule: CacheRule) -> String {
        let known = state.withLock { $0.store.peek(CacheKey.primary(request))?.varyNames } ?? []
        let names = CacheKey.names(known, rule: rule)
        return ([CacheKey.primary(request)] + CacheKey.varyValues(of: request, names: names)).joined(separator: "\u{1}")
    }

    private func count(_ outcome: Outcome) {
        state.withLock { state in
            switch outcome {
            case .hit: state.counters.hits += 1
            case .miss: state.counters.misses += 1
            case .stale: state.counters.stale += 1
            case .revalidated: state.counters.revalidated += 1
            case .bypass: state.counters.bypassed += 1
            }
        }
    }
}

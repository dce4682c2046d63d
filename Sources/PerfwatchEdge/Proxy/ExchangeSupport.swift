import Foundation
import Logging
import NIOCore
import PerfwatchModel

/// The balancer lease of one streamed exchange (`PassThroughRelay`, `FastExchange`) and the
/// instances it tried: a failed connect moves on to one not tried yet.
struct UpstreamLeases {
    private(set) var current: UpstreamPool.Lease?
    private var tried: Set<Int> = []

    /// The instance that answers (or was asked), "" before any.
    var url: String { current?.url ?? "" }

    mutating func next(from pool: UpstreamPool) -> UpstreamPool.Lease? {
        guard let lease = pool.acquire(excluding: tried) else { return nil }
        tried.insert(lease.index)
        current = lease
        return lease
    }

    /// Ends the lease: outstanding count, latency (EWMA) and failure (outlier ejection) go to the balancer.
    mutating func release(to pool: UpstreamPool, latencyMs: Double?, failure: Bool) {
        guard let lease = current else { return }
        current = nil
        pool.release(lease, latencyMs: latencyMs, failure: failure)
    }
}

/// The first-byte and idle timeouts of one streamed exchange: one deadline, moved as the exchange
/// goes, checked by its loop's sweep (`LoopConnections.watch`).
struct ExchangeDeadline {
    private(set) var at: UInt64 = 0
    var lastReadAt: UInt64 = 0

    static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Arms or moves the deadline; the exchange is watched from the first arming.
    mutating func arm(_ milliseconds: Int64, _ exchange: any DeadlineWatched, in pool: LoopConnections) {
        if at == 0 { pool.watch(exchange) }
        at = Self.now + UInt64(milliseconds) * 1_000_000
    }

    mutating func clear() { at = 0 }

    /// The deadline passed while the body streams: why the exchange ends when nothing came for
    /// `timeouts.idle`, else nil (armed again for what is left of it).
    mutating func idleExpired(_ timeouts: EdgeConfiguration.Timeouts, _ exchange: any DeadlineWatched, in pool: LoopConnections) -> String? {
        let idleNanos = UInt64(timeouts.idle.wholeMilliseconds) * 1_000_000
        let quiet = Self.now - lastReadAt
        if quiet >= idleNanos {
            return "no body bytes from the upstream for \(DurationText.format(milliseconds: timeouts.idle.wholeMilliseconds)) (timeouts.idle)"
        }
        arm(Int64((idleNanos - quiet) / 1_000_000) + 1, exchange, in: pool)
        return nil
    }
}

extension Channel {
    /// Backpressure: stops reading (the other side cannot take more) or reads again.
    func setReading(_ reading: Bool) {
        setOption(ChannelOptions.autoRead, value: reading).whenFailure { _ in self.close(promise: nil) }
        if reading { read() }
    }
}

/// What the two streamed exchanges share (`PassThroughRelay` over NIO's HTTP codec, `FastExchange`
/// over bytes), on the downstream connection's event loop: choosing an upstream and connecting (a
/// failed connect moves on to the next instance: nothing of the request left the edge), the lease,
/// backpressure on the upstream, and the first-byte and idle timeouts. A subclass writes the
/// request (`send`), the edge's own answers (`fail`) and the cut (`abort`).
class StreamedExchange<Connection: PooledConnection>: DeadlineWatched {
    enum Phase {
        /// Waiting for an upstream connection.
        case connecting
        case awaitingHead
        case streaming
        /// The answer is out.
        case done
    }

    let proxy: EdgeProxy
    let downstream: ChannelHandlerContext
    let pool: LoopConnections
    /// When the request's head was read (uptime nanoseconds).
    let started: UInt64
    var observer = ResponseBodyObserver()
    /// The span went to the sink (once, at the answer's end or when the exchange ends otherwise).
    private var recorded = false
    var phase = Phase.connecting
    var leases = UpstreamLeases()
    var lastFailure = ProxyFailure.noUpstream
    var connection: Connection?
    var timer = ExchangeDeadline()
    var deadline: UInt64 { timer.at }
    var upstreamNanos: UInt64 = 0
    var upstreamPaused = false
    private var retriedFresh = false

    init(proxy: EdgeProxy, downstream: ChannelHandlerContext, pool: LoopConnections, started: UInt64) {
        self.proxy = proxy
        self.downstream = downstream
        self.pool = pool
        self.started = started
    }

    // MARK: what a subclass does

    /// A kept-alive connection to upstream `index` from the loop's pool, if it may use one.
    func idleConnection(_ index: Int) -> Connection? { nil }
    func connect(_ index: Int) -> EventLoopFuture<Connection> { preconditionFailure("\(Self.self) must connect") }
    func send(on connection: Connection) { preconditionFailure("\(Self.self) must send") }
    func fail(_ failure: ProxyFailure, upstreamFault: Bool = true) { preconditionFailure("\(Self.self) must fail") }
    /// The exchange's record, the input of its span.
    var record: EdgeExchange {
        get { preconditionFailure("\(Self.self) must keep a record") }
        set { preconditionFailure("\(Self.self) must keep a record") }
    }
    /// The exchange is over (after `complete`): the connection's handler takes the next request.
    func finished() {}
    /// A request that may go once more on a new connection when a reused one closes before answering.
    var mayRetryOnFreshConnection: Bool { false }
    /// Drops the answer's head held for the end of the read it came in; false when none is held (it went out).
    func dropPendingHead() -> Bool { false }

    // MARK: shared

    final func start() {
        guard let lease = leases.next(from: proxy.pool) else {
            fail(lastFailure)
            return
        }
        if let idle = idleConnection(lease.index) { send(on: idle) } else { dial(lease) }
    }

    final func dial(_ lease: UpstreamPool.Lease) {
        connect(lease.index).assumeIsolated().whenComplete { result in
            guard case .connecting = self.phase else {
                if case .success(let connection) = result { connection.channel.close(promise: nil) }
                return
            }
            switch result {
            case .success(let connection):
                self.send(on: connection)
            case .failure(let error):
                // Nothing of the request left the edge (a body is still held): the next instance may take it.
                self.releaseLease(latencyMs: nil, failure: true)
                self.lastFailure = .unreachable(lease.url, "\(error)")
                self.proxy.logger.debug("trying another upstream", metadata: ["upstream": "\(lease.url)", "error": "\(error)"])
                self.start()
            }
        }
    }

    /// The connection failed or the upstream closed it: before the answer's head went out, the edge's own
    /// 502; after, the cut.
    func upstreamClosed(_ error: (any Error)?) {
        let detail = error.map { "\($0)" } ?? "the connection closed"
        switch phase {
        case .awaitingHead:
            closedBeforeHead(detail)
        case .streaming:
            if dropPendingHead() {
                phase = .awaitingHead
                fail(.malformed(leases.url, detail))
            } else {
                abort("upstream body failed mid-response: \(detail)")
            }
        case .connecting, .done:
            break
        }
    }

    /// Closed before the answer's head: a kept-alive connection the upstream closed as it was reused gets
    /// the request once more on a new one (when nothing of it would be lost); else a 502.
    private func closedBeforeHead(_ detail: String) {
        let connection = self.connection
        self.connection = nil
        connection?.channel.close(promise: nil)
        if mayRetryOnFreshConnection, let connection, let lease = leases.current, connection.reused, !retriedFresh {
            retriedFresh = true
            phase = .connecting
            timer.clear()
            dial(lease)
            return
        }
        fail(.malformed(leases.url, detail + " before a response head"))
    }

    /// The upstream connection cannot serve another exchange (failed, half-used): closed, not pooled.
    final func discardConnection() {
        guard let connection else { return }
        self.connection = nil
        connection.detach()
        connection.channel.close(promise: nil)
    }

    final func releaseLease(latencyMs: Double?, failure: Bool) {
        leases.release(to: proxy.pool, latencyMs: latencyMs, failure: failure)
    }

    final func pauseUpstream(_ pause: Bool, on connection: Connection? = nil) {
        guard let channel = (connection ?? self.connection)?.channel else { return }
        upstreamPaused = pause
        channel.setReading(!pause)
    }

    final func downstreamWritabilityChanged() {
        if downstream.channel.isWritable, upstreamPaused { pauseUpstream(false) }
    }

    /// Before the edge's own answer (`fail`): false when the answer's head is out already (the exchange was cut instead).
    final func prepareOwnAnswer(_ failure: ProxyFailure, upstreamFault: Bool) -> Bool {
        discardConnection()
        releaseLease(latencyMs: nil, failure: upstreamFault)
        guard phase != .streaming else {
            abort(failure.message)
            return false
        }
        proxy.record(failure, into: &record)
        return true
    }

    /// The response head is out: the only honest signal left is to close the downstream connection.
    func abort(_ why: String) {
        discardConnection()
        releaseLease(latencyMs: Double(upstreamNanos) / 1e6, failure: true)
        record.failed = true
        proxy.logger.warning(
            "aborting the downstream connection", metadata: ["upstream": "\(record.upstream)", "path": "\(record.path)", "why": "\(why)"])
        complete()  // before the close, which may end the connection at once
        downstream.close(promise: nil)
    }

    /// The client left: not the upstream's fault. 499 as nginx logs it when nothing was answered yet.
    func downstreamClosed() {
        guard phase != .done else { return }
        discardConnection()
        releaseLease(latencyMs: nil, failure: false)
        if record.status == 0 { record.status = 499 }
        complete()
    }

    final func complete() {
        phase = .done
        timer.clear()
        pool.unwatch(self)
        recordExchange()
        finished()
    }

    final func recordExchange() {
        guard !recorded else { return }
        recorded = true
        observer.finish(record, started: started, proxy: proxy)
    }

    final func armTimer(_ milliseconds: Int64) {
        timer.arm(milliseconds, self, in: pool)
    }

    final func deadlinePassed() {
        timer.clear()
        let timeouts = proxy.configuration.timeouts
        switch phase {
        case .awaitingHead:
            fail(.firstByteTimeout(leases.url, timeouts.firstByte))
        case .streaming:
            if let why = timer.idleExpired(timeouts, self, in: pool) { abort(why) }
        case .connecting, .done:
            break
        }
    }
}

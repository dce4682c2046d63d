internal import NIOCore
internal import Histogram

/// Immutable inputs of one worker.
struct WorkerSettings: Sendable {
    var plan: CompiledPlan
    var address: SocketAddress
    var connectionCap: Int
    var queueLimit: Int
    var connectTimeout: Int64
    var requestTimeout: UInt64
    /// Open mode; `nil` in closed mode.
    var schedule: ArrivalSchedule?
    /// Closed mode: users on this worker and the run length in nanoseconds.
    var closed: (users: Int, duration: UInt64)?
    /// Arrivals `index`, `index + count`, … belong to this worker.
    var index: Int
    var count: Int
    /// Longest a normal end waits for started iterations before abandoning them.
    var drainLimit: UInt64
}

/// Runs a share of the load on one event loop: its own arrivals, connection pool and
/// statistics, so the hot path takes no lock and shares nothing with other loops.
///
/// `@unchecked Sendable`: every method runs on `loop` (the engine calls in through
/// `loop.execute`/`submit`), which is what makes the unsynchronized state safe.
final class LoadWorker: @unchecked Sendable {
    let loop: any EventLoop
    let settings: WorkerSettings
    let drained: EventLoopPromise<Void>

    // Pool: connections open in the pool, idle ones, ones being opened, iterations waiting.
    var open: [HTTPConnection] = []
    var idle: [HTTPConnection] = []
    var connecting = 0
    var waiters = CircularBuffer<Iteration>(initialCapacity: 64)

    // Schedule.
    var startNanos: UInt64 = 0
    var nextArrival = 0
    var nextUser = 0
    var arrivalsDone = false
    var inFlight = 0
    var finished = false
    var pacer: Scheduled<Void>?
    var pacerArmed = false
    /// Due time of the next open-model arrival; `.max` in closed mode.
    var nextDue: UInt64 = .max
    var sweeper: RepeatedTask?

    // Statistics.
    var stats: [RequestStats]
    var interval = IntervalStats()
    var totalRequests = 0
    var totalErrors = 0
    var dropped = 0
    var abandoned = 0
    var started = 0
    var firstStart: UInt64?
    var lastStart: UInt64 = 0

    init(loop: any EventLoop, settings: WorkerSettings) {
        self.loop = loop
        self.settings = settings
        self.drained = loop.makePromise()
        self.stats = settings.plan.requestNames.map(RequestStats.init(name:))
    }

    // MARK: Arrivals

    func start(at start: UInt64) {
        startNanos = start
        sweeper = loop.scheduleRepeatedTask(initialDelay: .milliseconds(50), delay: .milliseconds(50)) { [self] _ in
            sweepTimeouts()
        }
        if settings.schedule != nil {
            nextArrival = settings.index
            pace()
        } else if let closed = settings.closed {
            let end = start + closed.duration
            pacer = loop.scheduleTask(deadline: .uptimeNanoseconds(end)) { [self] in endArrivals() }
            for _ in 0..<closed.users { startUser(intended: start) }
        }
    }

    /// Starts every arrival that is due, then arms a timer for the next one. Late wake-ups
    /// start the overdue arrivals at once: the open model never slows down to suit the server.
    ///
    /// Also called after every response (``paceIfDue(now:)``): under load the loop is busy
    /// anyway, so arrivals start on time without a timer wake-up each. The timer is the
    /// fallback for an idle loop and is armed at least 250 µs ahead, because re-arming it
    /// per arrival cost more CPU than anything else at high rates; any lateness this causes
    /// is charged to the corrected latency, which is measured from the due time.
    private func pace() {
        guard !arrivalsDone, let schedule = settings.schedule else { return }
        let now = LoadClock.now()
        while let offset = schedule.offset(ofArrival: nextArrival) {
            let due = startNanos + UInt64(offset * 1e9)
            if due > now {
                nextDue = due
                if !pacerArmed {
                    pacerArmed = true
                    pacer = loop.scheduleTask(deadline: .uptimeNanoseconds(max(due, now + 250_000))) { [self] in
                        pacerArmed = false
                        pace()
                    }
                }
                return
            }
            startIteration(number: nextArrival, intended: due)
            nextArrival += settings.count
        }
        endArrivals()
    }

    @inline(__always)
    func paceIfDue(now: UInt64) {
        if now >= nextDue && !arrivalsDone { pace() }
    }

    private func startUser(intended: UInt64) {
        let number = settings.index + nextUser * settings.count
        nextUser += 1
        startIteration(number: number, intended: intended)
    }

    private func startIteration(number: Int, intended: UInt64) {
        if idle.isEmpty && waiters.count >= settings.queueLimit && settings.closed == nil {
            dropped += 1
            return
        }
        started += 1
        // Actual start times, so the achieved rate shows any lag of the pacer itself.
        let now = LoadClock.now()
        if firstStart == nil { firstStart = now }
        lastStart = now
        inFlight += 1
        let plan = settings.plan
        let iteration = Iteration(
            number: number, flow: plan.flow(forIteration: number), variables: plan.variables(forIteration: number), intended: intended)
        advance(iteration)
    }

    private func advance(_ iteration: Iteration) {
        guard !finished else { return }
        guard iteration.step < iteration.flow.steps.count else {
            finish(iteration)
            return
        }
        switch iteration.flow.steps[iteration.step] {
        case .think(let nanos):
            iteration.step += 1
            let wake = LoadClock.now() + nanos
            iteration.intended = wake
            loop.scheduleTask(deadline: .uptimeNanoseconds(wake)) { [self] in advance(iteration) }
        case .request(let request):
            iteration.request = request
            iteration.rendered = request.render(iteration.variables)
            dispatch(iteration)
        }
    }

    private func finish(_ iteration: Iteration) {
        inFlight -= 1
        if settings.closed != nil && !arrivalsDone { startUser(intended: LoadClock.now()) }
        checkDrained()
    }

    func endArrivals() {
        guard !arrivalsDone else { return }
        arrivalsDone = true
        pacer?.cancel()
        pacerArmed = false
        if inFlight > 0 {
            pacer = loop.scheduleTask(in: .nanoseconds(Int64(settings.drainLimit))) { [self] in abort() }
        }
        checkDrained()
    }

    /// Graceful stop (SIGINT): no new iterations; started ones get `grace` to finish.
    func stop(grace: TimeAmount) {
        guard !finished else { return }
        endArrivals()
        if inFlight > 0 {
            pacer?.cancel()
            pacer = loop.scheduleTask(in: grace) { [self] in abort() }
        }
    }

    /// Gives up on whatever is still running; it is reported as `abandoned`, not as errors.
    private func abort() {
        guard !finished else { return }
        abandoned += inFlight
        inFlight = 0
        waiters.removeAll()
        checkDrained()
    }

    private func checkDrained() {
        guard arrivalsDone, inFlight == 0, !finished else { return }
        finished = true
        pacer?.cancel()
        sweeper?.cancel()
        for connection in open { connection.close() }
        drained.succeed(())
    }

    // MARK: Requests

    private func sweepTimeouts() {
        let now = LoadClock.now()
        for connection in open where connection.current != nil && now &- connection.sentAt > settings.requestTimeout {
            connection.timedOut = true
            connection.close()
        }
    }

    func responseReceived(_ iteration: Iteration, status: Int, body: ByteBuffer?, keepAlive: Bool, on connection: HTTPConnection) {
        let end = LoadClock.now()
        guard let request = iteration.request, !finished else { return }
        var failure: RequestErrorKind?
        if !request.expectStatus.isEmpty {
            if !request.expectStatus.contains(status) { failure = .expectation }
        } else if status >= 400 {
            failure = .status
        }
        if failure == nil && !request.captures.isEmpty {
            let bytes = body.map { Array($0.readableBytesView) } ?? []
            for capture in request.captures {
                guard let value = capture.path.extract(from: bytes) else {
                    failure = .expectation
                    break
                }
                iteration.variables[capture.variable] = value
            }
        }
        record(request.statsIndex, corrected: end &- iteration.intended, uncorrected: end &- connection.sentAt, failure: failure)
        if keepAlive { release(connection) } else { connection.close() }
        paceIfDue(now: end)
        if failure == nil {
            iteration.step += 1
            iteration.intended = end
            advance(iteration)
        } else {
            finish(iteration)
        }
    }

    func requestFailed(_ iteration: Iteration, kind: RequestErrorKind, on connection: HTTPConnection?) {
        guard !finished else { return }
        if let request = iteration.request { record(request.statsIndex, corrected: nil, uncorrected: nil, failure: kind) }
        finish(iteration)
    }

    private func record(_ index: Int, corrected: UInt64?, uncorrected: UInt64?, failure: RequestErrorKind?) {
        stats[index].count += 1
        interval.requests += 1
        totalRequests += 1
        if let failure {
            stats[index].errors[failure.rawValue] += 1
            interval.errors += 1
            totalErrors += 1
        }
        if let corrected, let uncorrected {
            let correctedMicros = corrected / 1000
            stats[index].corrected.recordClamped(correctedMicros)
            stats[index].uncorrected.recordClamped(uncorrected / 1000)
            interval.corrected.recordClamped(correctedMicros)
        }
    }

    // MARK: Snapshots

    /// Takes the current interval's figures and starts a new interval.
    func takeInterval() -> WorkerSnapshot {
        let snapshot = WorkerSnapshot(
            interval: interval, requests: totalRequests, errors: totalErrors, dropped: dropped, started: started)
        interval.requests = 0
        interval.errors = 0
        interval.corrected.reset()
        return snapshot
    }

    func result() -> WorkerResult {
        WorkerResult(stats: stats, dropped: dropped, abandoned: abandoned, started: started, firstStart: firstStart, lastStart: lastStart)
    }
}

struct WorkerSnapshot: Sendable {
    var interval: IntervalStats
    var requests: Int
    var errors: Int
    var dropped: Int
    var started: Int
}

struct WorkerResult: Sendable {
    var stats: [RequestStats]
    var dropped: Int
    var abandoned: Int
    var started: Int
    var firstStart: UInt64?
    var lastStart: UInt64
}

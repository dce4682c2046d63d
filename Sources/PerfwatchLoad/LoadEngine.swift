import Foundation
internal import NIOCore
internal import NIOPosix
import Synchronization
internal import Histogram

/// Runs a ``LoadScenario``: pre-flight connect, one ``LoadWorker`` per event loop, a
/// once-a-second snapshot for the live line and the series, and a final merge.
///
/// ```swift
/// let engine = LoadEngine(scenario: try LoadScenario.parse(yaml: text))
/// let result = try await engine.run { progress in print(progress.rate) }
/// ```
public final class LoadEngine: Sendable {
    public let scenario: LoadScenario
    /// Event-loop threads; each owns `connections / threads` connections.
    public let threads: Int
    private let state = Mutex(State())

    private struct State {
        var workers: [LoadWorker] = []
        var stopRequested = false
        var done = false
    }

    public init(scenario: LoadScenario, threads: Int? = nil) {
        self.scenario = scenario
        let requested = threads ?? min(System.coreCount, 4)
        self.threads = max(1, min(requested, scenario.connections))
    }

    /// Stops starting iterations and gives started ones `grace` to finish; the run then
    /// returns its result as usual (this is what SIGINT calls).
    public func stop(grace: Duration = .seconds(1)) {
        let workers = state.withLock { state in
            state.stopRequested = true
            return state.workers
        }
        for worker in workers {
            worker.loop.execute { worker.stop(grace: .nanoseconds(grace.nanoseconds)) }
        }
    }

    /// Runs the scenario to its end (or ``stop(grace:)``).
    ///
    /// - Parameter progress: called about once a second from a background task.
    /// - Throws: ``LoadError`` `.configuration` for scenario problems found while compiling,
    ///   `.unreachable` when the pre-flight connection fails (within about one second).
    public func run(progress: @escaping @Sendable (LoadProgress) -> Void = { _ in }) async throws(LoadError) -> LoadResult {
        let plan = try CompiledPlan(scenario)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        defer { group.shutdownGracefully { _ in } }
        let address = try await preflight(group: group)

        let duration = UInt64(scenario.duration.nanoseconds)
        var loops: [any EventLoop] = []
        for _ in 0..<threads { loops.append(group.next()) }
        let workers = loops.enumerated().map { index, loop in
            LoadWorker(loop: loop, settings: workerSettings(plan: plan, address: address, index: index))
        }
        let startWall = Date()
        let start = LoadClock.now() + 2_000_000
        let alreadyStopped = state.withLock { state in
            state.workers = workers
            return state.stopRequested
        }
        for worker in workers { worker.loop.execute { worker.start(at: start) } }
        if alreadyStopped { stop() }
        EventLoopFuture.andAllComplete(workers.map { $0.drained.futureResult }, on: loops[0]).whenComplete { [self] _ in
            self.state.withLock { $0.done = true }
        }

        var series: [SeriesPoint] = []
        var tick = 1
        var lastTick = start
        while !state.withLock({ $0.done }) {
            let deadline = start + UInt64(tick) * 1_000_000_000
            let now = LoadClock.now()
            if now < deadline {
                try? await Task.sleep(for: .nanoseconds(Int64(min(deadline - now, 50_000_000))))
                continue
            }
            let point = await snapshot(workers, start: start, from: lastTick, to: now, duration: duration)
            series.append(point.series)
            progress(point.progress)
            lastTick = now
            tick += 1
        }
        let end = LoadClock.now()
        // The last partial interval: always taken, so a request that completed as the run ended is
        // in the series as well as in the totals (they must add up; issue 15). A sliver under
        // 100 ms is folded into the previous point rather than shown as a second of its own.
        let last = await snapshot(workers, start: start, from: lastTick, to: end, duration: duration).series
        if end > lastTick + 100_000_000 || series.isEmpty {
            series.append(last)
        } else {
            series[series.count - 1].requests += last.requests
            series[series.count - 1].errors += last.errors
        }
        var results: [WorkerResult] = []
        for worker in workers {
            if let result = try? await worker.loop.submit({ worker.result() }).get() { results.append(result) }
        }
        return LoadResult(
            scenario: scenario, plan: plan, workers: results, series: series, startDate: startWall,
            elapsed: Double(end - start) / 1e9, interrupted: state.withLock { $0.stopRequested }, threads: threads)
    }

    private func workerSettings(plan: CompiledPlan, address: SocketAddress, index: Int) -> WorkerSettings {
        let share = { (total: Int) in total / self.threads + (index < total % self.threads ? 1 : 0) }
        var schedule: ArrivalSchedule?
        var closed: (users: Int, duration: UInt64)?
        var longestThink: UInt64 = 0
        for flow in plan.flows {
            longestThink = max(longestThink, flow.steps.reduce(0) { sum, step in if case .think(let n) = step { sum + n } else { sum } })
        }
        switch scenario.mode {
        case .open(let phases): schedule = ArrivalSchedule(phases: phases)
        case .closed(let users, let duration): closed = (share(users), UInt64(duration.nanoseconds))
        }
        return WorkerSettings(
            plan: plan, address: address, connectionCap: max(1, share(scenario.connections)),
            queueLimit: share(scenario.queueLimit), connectTimeout: scenario.connectTimeout.nanoseconds,
            requestTimeout: UInt64(scenario.requestTimeout.nanoseconds), schedule: schedule, closed: closed,
            index: index, count: threads,
            drainLimit: UInt64(scenario.requestTimeout.nanoseconds + scenario.connectTimeout.nanoseconds) + longestThink + 1_000_000_000)
    }

    private func snapshot(_ workers: [LoadWorker], start: UInt64, from: UInt64, to: UInt64, duration: UInt64) async
        -> (series: SeriesPoint, progress: LoadProgress)
    {
        var merged = IntervalStats()
        var requests = 0, errors = 0, dropped = 0
        for worker in workers {
            guard let snapshot = try? await worker.loop.submit({ worker.takeInterval() }).get() else { continue }
            merged.merge(snapshot.interval)
            requests += snapshot.requests
            errors += snapshot.errors
            dropped += snapshot.dropped
        }
        let seconds = max(Double(to - from) / 1e9, 0.001)
        let histogram = merged.corrected
        let quantile = { (q: Double) in histogram.totalCount == 0 ? 0 : Double(histogram.valueAtPercentile(q)) }
        let point = SeriesPoint(
            t: Int((to - start) / 1_000_000), requests: merged.requests, errors: merged.errors,
            p50: quantile(50) / 1000, p95: quantile(95) / 1000, p99: quantile(99) / 1000)
        let progress = LoadProgress(
            elapsed: Double(to - start) / 1e9, duration: Double(duration) / 1e9, rate: Double(merged.requests) / seconds,
            p50: quantile(50), p95: quantile(95), p99: quantile(99), requests: requests, errors: errors, dropped: dropped)
        return (point, progress)
    }

    /// Connects once before the run so a wrong or down target is one clear error within a
    /// second instead of a wall of connect failures.
    private func preflight(group: MultiThreadedEventLoopGroup) async throws(LoadError) -> SocketAddress {
        let target = scenario.target
        let candidates: [String] = target.host == "localhost" ? ["127.0.0.1", "::1"] : [target.host]
        // Below one second so that even a silently dropped SYN is reported within the first second.
        let timeout = min(scenario.connectTimeout, .milliseconds(900))
        var problems: [String] = []
        for host in candidates {
            let address: SocketAddress
            do {
                address = try SocketAddress.makeAddressResolvingHost(host, port: target.port)
            } catch {
                problems.append("cannot resolve \(host)")
                continue
            }
            do {
                let channel = try await ClientBootstrap(group: group).connectTimeout(.nanoseconds(timeout.nanoseconds))
                    .connect(to: address).get()
                try? await channel.close()
                return address
            } catch let error as ChannelError {
                guard case .connectTimeout = error else {
                    problems.append("\(address): \(error)")
                    continue
                }
                problems.append("no answer from \(address) within \(LoadNotation.formatMicros(Double(timeout.nanoseconds / 1000)))")
            } catch let error as IOError {
                problems.append("\(address): \(String(cString: strerror(error.errnoCode)).lowercased())")
            } catch {
                problems.append("\(address): \(error)")
            }
        }
        throw LoadError(.unreachable, "cannot connect to \(target.description) (\(problems.joined(separator: "; "))); is the target running and the address right?")
    }
}

/// Figures for the live progress line (latencies in microseconds, from intended start).
public struct LoadProgress: Sendable {
    public var elapsed: Double
    public var duration: Double
    /// Requests completed per second over the last interval.
    public var rate: Double
    public var p50: Double
    public var p95: Double
    public var p99: Double
    public var requests: Int
    public var errors: Int
    public var dropped: Int
}

/// One point of the per-second series (latencies in milliseconds, corrected).
public struct SeriesPoint: Sendable, Codable, Equatable {
    /// Milliseconds since the run started, at the end of the interval.
    public var t: Int
    public var requests: Int
    public var errors: Int
    public var p50: Double
    public var p95: Double
    public var p99: Double
}

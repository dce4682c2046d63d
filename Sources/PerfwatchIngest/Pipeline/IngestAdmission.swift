import PerfwatchModel
import Synchronization

/// Decides whether an ingest request may be read at all, before its body is.
///
/// Why: under overload the pipeline's queue refused batches only after their bodies were
/// read and parsed, so the CPU went to work that was thrown away (accepted points fell to
/// 30% of capacity) and every waiting body stayed in memory (RSS 1 GB). Here a request is
/// refused at once, with `Retry-After`, when
/// - the pipeline's queue is over half full (the committer is behind), or
/// - the bodies being read, parsed or committed add up to `maxBodyBytesInFlight`, or
/// - `maxPreparing` requests are being read and parsed and `maxWaiting` more wait their turn.
/// Parsing is the CPU-heavy part: more at once only makes each slower and leaves no thread
/// for queries, so a request past `maxPreparing` waits (costing nothing) for a slot, and a
/// short line of waiters keeps a busy but not overloaded server answering 2xx.
/// Admitted work then runs at the speed the committer drains it.
public final class IngestAdmission: Sendable {
    public let maxBodyBytesInFlight: Int
    public let maxPreparing: Int
    public let maxWaiting: Int
    private let pipeline: IngestPipeline
    private let statistics: IngestStatistics
    private let state = Mutex(InFlight())

    struct InFlight {
        var bytes = 0
        var preparing = 0
        /// Admitted requests waiting for a preparing slot (some not yet in `waiting`).
        var queued = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    public init(pipeline: IngestPipeline, maxBodyBytesInFlight: Int, maxPreparing: Int, statistics: IngestStatistics) {
        self.pipeline = pipeline
        self.maxBodyBytesInFlight = maxBodyBytesInFlight
        self.maxPreparing = max(1, maxPreparing)
        maxWaiting = 4 * self.maxPreparing + 4
        self.statistics = statistics
    }

    /// One fewer than the cores, so a thread stays free for queries and the committer.
    public static func defaultMaxPreparing(cores: Int) -> Int { max(1, cores - 1) }

    public var bytesInFlight: Int { state.withLock { $0.bytes } }
    public var preparing: Int { state.withLock { $0.preparing } }

    /// Runs `work` with `bytes` counted in flight and a preparing slot held until `work`
    /// calls `Pass.prepared()` (before it waits for the commit), or throws `overloaded`
    /// without running it.
    public func admit<T>(bytes: Int, _ work: (Pass) async throws -> T) async throws -> T {
        if try reserve(bytes) == .wait {
            await withCheckedContinuation { continuation in
                let takeNow = state.withLock { state -> Bool in
                    // A slot freed between `reserve` and here: take it.
                    if state.preparing < maxPreparing {
                        state.preparing += 1
                        state.queued -= 1
                        return true
                    }
                    state.waiting.append(continuation)
                    return false
                }
                if takeNow { continuation.resume() }
            }
        }
        let pass = Pass(admission: self)
        defer {
            pass.prepared()
            state.withLock { $0.bytes -= bytes }
        }
        return try await work(pass)
    }

    /// Held by an admitted request while it is read and parsed.
    public final class Pass: Sendable {
        private let admission: IngestAdmission
        private let released = Atomic(false)

        init(admission: IngestAdmission) {
            self.admission = admission
        }

        /// The body is parsed; what is left (waiting for the commit) costs no CPU. The slot
        /// goes straight to the first waiter, if any.
        public func prepared() {
            guard !released.exchange(true, ordering: .relaxed) else { return }
            let next = admission.state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard !state.waiting.isEmpty else {
                    state.preparing -= 1
                    return nil
                }
                state.queued -= 1
                return state.waiting.removeFirst()
            }
            next?.resume()
        }
    }

    enum Reservation {
        case go, wait
    }

    /// Counts `bytes` in flight and takes a preparing slot or a place in line for one, or
    /// throws `overloaded`.
    func reserve(_ bytes: Int) throws -> Reservation {
        if pipeline.isOverloaded {
            statistics.recordOverload()
            throw PerfwatchError(.overloaded, "ingest queue is more than half full; retry shortly")
        }
        let outcome: Result<Reservation, PerfwatchError> = state.withLock { state in
            // One request alone is always admitted, whatever its size (up to the body limit).
            guard state.bytes == 0 || state.bytes + bytes <= maxBodyBytesInFlight else {
                return .failure(PerfwatchError(.overloaded, "too many ingest bytes in flight (limit \(maxBodyBytesInFlight)); retry shortly"))
            }
            if state.preparing < maxPreparing && state.queued == 0 {
                state.preparing += 1
                state.bytes += bytes
                return .success(.go)
            }
            guard state.queued < maxWaiting else {
                return .failure(
                    PerfwatchError(.overloaded, "\(maxPreparing) ingest requests are being parsed and \(maxWaiting) wait; retry shortly"))
            }
            state.queued += 1
            state.bytes += bytes
            return .success(.wait)
        }
        switch outcome {
        case .success(let reservation): return reservation
        case .failure(let error):
            statistics.recordOverload()
            throw error
        }
    }
}

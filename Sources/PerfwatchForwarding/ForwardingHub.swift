public import Logging
public import PerfwatchModel
public import ServiceLifecycle
import Synchronization

/// Forwarding out (docs/forwarding.md): ingest hands each committed payload to `observe`, which
/// only queues it (it never waits on disk or network, so a destination that is down cannot
/// slow ingest); the hub's task encodes it for every destination that wants it and appends the
/// bodies to the destinations' spools; one sender task per destination sends its spool.
///
/// As a service it must shut down after the ingest pipeline (placed before it in the service
/// list): what the pipeline commits last is still spooled, and sent after a restart.
public final class ForwardingHub: Service, Sendable {
    /// One destination with its spool, counters and sender.
    public struct Lane: Sendable {
        public let destination: ForwardDestination
        public let spool: ForwardSpool
        public let statistics: ForwardingStatistics
        let encoder: any ForwardEncoder
        let sender: ForwardSender
    }

    struct Inbox {
        var payloads: [(payload: IngestPayload, refused: [Int])] = []
        var items = 0
        var finished = false
    }

    public let lanes: [Lane]
    /// Items waiting for the spool writer; past it payloads are dropped (and counted) rather
    /// than held in memory.
    let maxQueuedItems: Int
    private let inbox = Mutex(Inbox())
    private let wakeups: AsyncStream<Void>
    private let wakeupContinuation: AsyncStream<Void>.Continuation
    private let logger: Logger

    /// Opens every destination's spool (`spoolDirectory` must be resolved by then).
    public init(
        destinations: [ForwardDestination], logger: Logger, maxQueuedItems: Int = 1_000_000,
        transport: ForwardSender.Transport? = nil, idlePoll: Duration = .milliseconds(100)
    ) throws {
        lanes = try destinations.map { destination in
            let spool = try ForwardSpool(directory: destination.spoolDirectory ?? "forwarding/\(destination.name)", maxBytes: destination.spoolMaxBytes)
            let statistics = ForwardingStatistics()
            let sender = transport.map {
                ForwardSender(destination: destination, spool: spool, statistics: statistics, logger: logger, idlePoll: idlePoll, transport: $0)
            } ?? ForwardSender(destination: destination, spool: spool, statistics: statistics, logger: logger, idlePoll: idlePoll)
            return Lane(destination: destination, spool: spool, statistics: statistics, encoder: destination.encoder, sender: sender)
        }
        self.maxQueuedItems = maxQueuedItems
        self.logger = logger
        (wakeups, wakeupContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Called by the ingest pipeline after each commit, on its committing task: takes the
    /// payload for later and returns at once. `refused`: indexes of points the store refused.
    public func observe(_ payload: IngestPayload, refused: [Int] = []) {
        let items = payload.points.count + payload.points.sketchEntries.count + payload.spanCount - refused.count
        guard items > 0 else { return }
        let accepted = inbox.withLock { inbox -> Bool in
            guard !inbox.finished, inbox.items + items <= maxQueuedItems || inbox.items == 0 else { return false }
            inbox.payloads.append((payload, refused))
            inbox.items += items
            return true
        }
        guard accepted else {
            for lane in lanes { lane.statistics.recordDropped(items, .queueFull) }
            return
        }
        wakeupContinuation.yield()
    }

    public func run() async throws {
        // Unstructured, so shutdown need not wait for a send to a destination that hangs: a
        // record whose send is cut off stays in the spool and is sent after the restart.
        let senders = lanes.map { lane in Task { await lane.sender.run() } }
        await withGracefulShutdownHandler {
            for await _ in wakeups { await spoolPending() }
        } onGracefulShutdown: {
            self.inbox.withLock { $0.finished = true }
            self.wakeupContinuation.finish()
        }
        // Whatever ingest committed last is spooled before the senders stop.
        await spoolPending()
        for sender in senders { sender.cancel() }
    }

    /// Encodes and spools everything queued so far.
    public func spoolPending() async {
        let payloads = inbox.withLock { inbox -> [(payload: IngestPayload, refused: [Int])] in
            defer {
                inbox.payloads = []
                inbox.items = 0
            }
            return inbox.payloads
        }
        let wantsTraces = lanes.contains { $0.destination.signals.contains(.traces) }
        for (payload, refused) in payloads {
            let batch = ForwardBatch(payload: payload, decodeSpans: wantsTraces, refused: Set(refused))
            for lane in lanes { await spool(batch, into: lane) }
        }
    }

    private func spool(_ batch: ForwardBatch, into lane: Lane) async {
        let destination = lane.destination
        let filtered = ForwardBatch(
            points: batch.points.filter { destination.wants(metric: $0.metric) },
            spans: destination.signals.contains(.traces) ? batch.spans : [])
        guard !filtered.isEmpty else { return }
        var unrepresentable = 0
        let requests = lane.encoder.encode(filtered, unrepresentable: &unrepresentable)
        lane.statistics.recordDropped(unrepresentable, .unrepresentable)
        for request in requests {
            do {
                try await lane.spool.append(request)
            } catch {
                lane.statistics.recordDropped(request.items, .spoolError)
                logger.error("cannot write the forwarding spool", metadata: ["destination": "\(destination.name)", "error": "\(error)"])
            }
        }
    }

    /// The `perfwatch_forward_*` lines of `/metrics` (empty without destinations).
    public func metricsText() async -> String {
        guard !lanes.isEmpty else { return "" }
        var sent = "# HELP perfwatch_forward_sent_total Points and spans a forwarding destination accepted.\n"
        sent += "# TYPE perfwatch_forward_sent_total counter\n"
        var dropped = "# HELP perfwatch_forward_dropped_total Points and spans not forwarded, by reason.\n"
        dropped += "# TYPE perfwatch_forward_dropped_total counter\n"
        var bytes = "# HELP perfwatch_forward_spool_bytes Bytes spooled on disk and not yet sent.\n"
        bytes += "# TYPE perfwatch_forward_spool_bytes gauge\n"
        var failures = "# HELP perfwatch_forward_failures_total Failed send attempts (each retried).\n"
        failures += "# TYPE perfwatch_forward_failures_total counter\n"
        for lane in lanes {
            var label = "destination="
            JSONString.append(lane.destination.name, to: &label)
            sent += "perfwatch_forward_sent_total{\(label)} \(lane.statistics.sent)\n"
            let spoolDropped = await lane.spool.droppedItems
            for reason in ForwardingStatistics.DropReason.allCases {
                let count = reason == .spoolFull ? spoolDropped : lane.statistics.dropped(reason)
                dropped += "perfwatch_forward_dropped_total{\(label),reason=\"\(reason.rawValue)\"} \(count)\n"
            }
            bytes += "perfwatch_forward_spool_bytes{\(label)} \(await lane.spool.pendingBytes)\n"
            failures += "perfwatch_forward_failures_total{\(label)} \(lane.statistics.failures)\n"
        }
        return sent + dropped + bytes + failures
    }
}

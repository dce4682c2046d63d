public import PerfwatchModel

/// Journeys of one type as a funnel: how many started, reached each step, completed, failed or
/// were abandoned (and where), step timings, and the step that slows or loses users most.
/// `GET /api/v1/journeys` answers with one per journey type.
public struct JourneyFunnel: Sendable {
    public struct Step: Sendable {
        public var name: String
        public var reached = 0
        public var abandonedHere = 0
        /// Time from the previous step (or the start) to this one, per journey that reached it.
        public var durations: [Double] = []

        public var p50: Double? { JourneyFunnel.percentile(durations, 0.5) }
        public var p95: Double? { JourneyFunnel.percentile(durations, 0.95) }
    }

    /// The step that slows or loses users most (see `bottleneck`).
    public struct Bottleneck: Sendable, Equatable {
        public var step: String
        /// `drop-off` or `slowest`.
        public var reason: String
        public var detail: String
    }

    public var type: String
    /// The target most of these journeys declared.
    public var targetMs: Double?
    public var started = 0
    public var counts: [RUMJourney.State: Int] = [:]
    /// In the order users reach them.
    public var steps: [Step] = []
    public var abandonedAtStart = 0
    public var completedDurations: [Double] = []
    public var completedWithinTarget = 0
    public var failReasons: [String: Int] = [:]

    public init(type: String, journeys: [RUMJourney]) {
        self.type = type
        started = journeys.count
        // Step order: by the average position at which journeys reach each step.
        var positions: [String: (sum: Int, count: Int, first: Int)] = [:]
        var seen = 0
        for journey in journeys {
            for (index, step) in journey.steps.enumerated() {
                let current = positions[step.name] ?? (0, 0, seen)
                positions[step.name] = (current.sum + index, current.count + 1, current.first)
                seen += 1
            }
        }
        let order = positions.sorted {
            let left = Double($0.value.sum) / Double($0.value.count)
            let right = Double($1.value.sum) / Double($1.value.count)
            return left != right ? left < right : $0.value.first < $1.value.first
        }.map(\.key)
        steps = order.map { Step(name: $0) }
        let index = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        var targets: [Double: Int] = [:]
        for journey in journeys {
            counts[journey.state, default: 0] += 1
            if let target = journey.targetMs { targets[target, default: 0] += 1 }
            var previous = 0.0
            var reachedHere: Set<String> = []
            for step in journey.steps {
                guard let position = index[step.name], reachedHere.insert(step.name).inserted else { continue }
                steps[position].reached += 1
                steps[position].durations.append(max(0, step.atMs - previous))
                previous = step.atMs
            }
            switch journey.state {
            case .abandoned:
                if let last = journey.steps.last, let position = index[last.name] {
                    steps[position].abandonedHere += 1
                } else {
                    abandonedAtStart += 1
                }
            case .failed:
                failReasons[journey.reason.isEmpty ? "(no reason)" : journey.reason, default: 0] += 1
            case .completed:
                if let end = journey.endMs {
                    let duration = Double(end - journey.startMs)
                    completedDurations.append(duration)
                    if let target = journey.targetMs, duration <= target { completedWithinTarget += 1 }
                }
            case .open:
                break
            }
        }
        targetMs = targets.max { $0.value < $1.value }?.key
    }

    /// Share of completed journeys that finished within the target; nil without a target or
    /// without completed journeys.
    public var completedWithinTargetShare: Double? {
        guard targetMs != nil, !completedDurations.isEmpty else { return nil }
        return Double(completedWithinTarget) / Double(completedDurations.count)
    }

    public var durationP50: Double? { Self.percentile(completedDurations, 0.5) }
    public var durationP95: Double? { Self.percentile(completedDurations, 0.95) }

    /// Fail reasons, most frequent first (ties by reason).
    public var failReasonsByCount: [(reason: String, count: Int)] {
        failReasons.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) }
    }

    /// Linear interpolation between closest ranks; nil for no values.
    public static func percentile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = q * Double(sorted.count - 1)
        let low = Int(rank.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - Double(low))
    }

    /// The step losing the largest share of journeys (those that reached the step before it and
    /// never reached it, or those that reached it and were abandoned there — the only loss a
    /// journey's last step can show), or taking the largest share of the journey's p95 time,
    /// whichever share is larger. When most journeys are lost at one step, that step is the
    /// bottleneck whatever the timings say: users leaving is the problem, not a step's speed.
    /// A step under a millisecond at p95 is never named slowest.
    public var bottleneck: Bottleneck? {
        guard !steps.isEmpty, started > 0 else { return nil }
        var loss: (step: String, detail: String, share: Double)? = nil
        func consider(_ step: String, _ detail: String, _ share: Double) {
            if share > (loss?.share ?? 0) { loss = (step, detail, share) }
        }
        var before = started
        for step in steps {
            let lost = max(0, before - step.reached)
            if lost > 0 {
                let share = Double(lost) / Double(max(before, 1))
                consider(step.name, "\(lost) of \(before) journeys (\(Self.percent(share))) did not reach \(step.name)", share)
            }
            if step.abandonedHere > 0 {
                let share = Double(step.abandonedHere) / Double(max(step.reached, 1))
                // "Most" only when they are most of all journeys, not of the few that got this far.
                let detail = step.abandonedHere * 2 > started
                    ? "most journeys end at \(step.name) (\(step.abandonedHere) of \(step.reached), \(Self.percent(share)), abandon there)"
                    : "\(step.abandonedHere) of \(step.reached) journeys (\(Self.percent(share))) that reached \(step.name) abandon there"
                consider(step.name, detail, share)
            }
            before = step.reached
        }
        if let loss, loss.share >= 0.5 { return Bottleneck(step: loss.step, reason: "drop-off", detail: loss.detail) }
        let p95s = steps.map { Self.percentile($0.durations, 0.95) ?? 0 }
        let total = p95s.reduce(0, +)
        if total > 0, let slowest = p95s.indices.max(by: { p95s[$0] < p95s[$1] }), p95s[slowest].rounded() >= 1 {
            let share = p95s[slowest] / total
            if share > (loss?.share ?? 0) {
                return Bottleneck(
                    step: steps[slowest].name, reason: "slowest",
                    detail: "\(steps[slowest].name) takes \(Int(p95s[slowest].rounded())) ms at p95, \(Self.percent(share)) of the journey's step time")
            }
        }
        return loss.map { Bottleneck(step: $0.step, reason: "drop-off", detail: $0.detail) }
    }

    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }
}

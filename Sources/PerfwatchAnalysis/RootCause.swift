import Foundation
import PerfwatchModel
import PerfwatchStatistics
public import PerfwatchQuery

/// Why a route got slower between two time ranges: which child operations' time grew, and
/// whether errors, CPU or memory moved at the same time.
///
/// Method: a query's time per request is its calls on the route (`db.query.calls_per_trace`,
/// summed) times its mean duration (`db.query.duration`), divided by the route's requests;
/// the difference after − before per fingerprint, against the change in the route's mean, is
/// that query's share of the slowdown. Errors: the error rates of the two ranges with a
/// two-proportion z-test. CPU and memory: the mean of the service's own `process.*`/`system.*`
/// gauges when it sends them (tagged `service`), else the host's (Perfwatch's own host
/// metrics). Limits: a query's mean duration is per service, not per route (a fingerprint
/// shared by several routes shows its service-wide mean); time outside database spans
/// (outbound HTTP, CPU in the app) is reported only as the unexplained remainder; host
/// gauges describe the machine Perfwatch runs on, which is the app's only when they share it.
public struct RootCauseAnalysis: Sendable {
    public struct Contributor: Sendable {
        public var fingerprint: String
        public var statement: String
        /// ms per request of the route.
        public var perRequestBefore: Double
        public var perRequestAfter: Double
        public var callsPerRequestBefore: Double
        public var callsPerRequestAfter: Double
        public var meanBefore: Double
        public var meanAfter: Double
        public var deltaMs: Double { perRequestAfter - perRequestBefore }
    }

    public struct Signal: Sendable {
        public var name: String
        public var before: Double
        public var after: Double
        public var moved: Bool
    }

    public struct Explanation: Sendable {
        public var meanBefore: Double
        public var meanAfter: Double
        /// Queries whose time per request grew, largest first.
        public var contributors: [Contributor]
        /// Error rate (fraction), then CPU and memory when stored.
        public var signals: [Signal]

        public var meanDelta: Double { meanAfter - meanBefore }
    }

    let engine: QueryEngine
    let statements: @Sendable ([String]) async throws -> [String: String]

    public init(engine: QueryEngine, statements: @escaping @Sendable ([String]) async throws -> [String: String]) {
        self.engine = engine
        self.statements = statements
    }

    public func explain(
        service: String, route: String, before: ClosedRange<Int64>, after: ClosedRange<Int64>, nowMs: Int64
    ) async throws -> Explanation {
        let routeFilters = [TagFilter(key: "service", value: service), TagFilter(key: "route", value: route)]
        func side(_ range: ClosedRange<Int64>) async throws -> (mean: Double, requests: Double, errors: Double, perQuery: [String: (calls: Double, mean: Double)]) {
            let requests = try await engine.table(
                "http.server.duration", [.avg, .count], by: [], filters: routeFilters, from: range.lowerBound, to: range.upperBound,
                nowMs: nowMs)
            let errors = try await engine.table(
                "http.server.errors", [.sum], by: [], filters: routeFilters, from: range.lowerBound, to: range.upperBound, nowMs: nowMs)
            let calls = try await engine.table(
                "db.query.calls_per_trace", [.sum], by: ["fingerprint"], filters: routeFilters, from: range.lowerBound,
                to: range.upperBound, nowMs: nowMs)[0]
            let durations = try await engine.table(
                "db.query.duration", [.avg], by: ["fingerprint"], filters: [TagFilter(key: "service", value: service)],
                from: range.lowerBound, to: range.upperBound, nowMs: nowMs)[0]
            var perQuery: [String: (Double, Double)] = [:]
            for (labels, total) in calls {
                guard let fingerprint = labels["fingerprint"], let mean = durations[Labels(["fingerprint": fingerprint])] else { continue }
                perQuery[fingerprint] = (total, mean)
            }
            return (requests[0].values.first ?? 0, requests[1].values.first ?? 0, errors[0].values.first ?? 0, perQuery)
        }
        let old = try await side(before)
        let new = try await side(after)
        var contributors: [Contributor] = []
        for fingerprint in Set(old.perQuery.keys).union(new.perQuery.keys) {
            let was = old.perQuery[fingerprint] ?? (0, 0)
            let now = new.perQuery[fingerprint] ?? (0, 0)
            let callsBefore = old.requests > 0 ? was.calls / old.requests : 0
            let callsAfter = new.requests > 0 ? now.calls / new.requests : 0
            let contributor = Contributor(
                fingerprint: fingerprint, statement: fingerprint, perRequestBefore: callsBefore * was.mean, perRequestAfter: callsAfter * now.mean,
                callsPerRequestBefore: callsBefore, callsPerRequestAfter: callsAfter, meanBefore: was.mean, meanAfter: now.mean)
            if contributor.deltaMs > 0 { contributors.append(contributor) }
        }
        contributors.sort { $0.deltaMs > $1.deltaMs }
        contributors = Array(contributors.prefix(5))
        let texts = try await statements(contributors.map(\.fingerprint))
        for index in contributors.indices { contributors[index].statement = texts[contributors[index].fingerprint] ?? contributors[index].fingerprint }

        var signals: [Signal] = []
        let rateBefore = old.requests > 0 ? old.errors / old.requests : 0
        let rateAfter = new.requests > 0 ? new.errors / new.requests : 0
        signals.append(
            Signal(
                name: "error_rate", before: rateBefore, after: rateAfter,
                moved: (ErrorRateComparison.compare(
                    errorsBefore: old.errors, requestsBefore: old.requests, errorsAfter: new.errors, requestsAfter: new.requests)?
                    .pValue ?? 1) < 0.01))
        for (metric, name) in [("process.cpu.percent", "cpu_percent"), ("system.cpu.percent", "cpu_percent"),
            ("process.memory.rss_bytes", "memory_rss_bytes"), ("system.memory.percent", "memory_percent")]
        where !signals.contains(where: { $0.name == name }) {
            if let signal = try await gauge(metric, name: name, service: service, before: before, after: after, nowMs: nowMs) {
                signals.append(signal)
            }
        }
        return Explanation(meanBefore: old.mean, meanAfter: new.mean, contributors: contributors, signals: signals)
    }

    /// The mean of a gauge in both ranges — the service's own series when it sends them, else
    /// the unlabeled host series. Moved: by 20 % and 5 units (percent points, or 5 % of bytes).
    func gauge(
        _ metric: String, name: String, service: String, before: ClosedRange<Int64>, after: ClosedRange<Int64>, nowMs: Int64
    ) async throws -> Signal? {
        for filter in [TagFilter(key: "service", value: service), TagFilter(key: "service", value: "")] {
            let old = try await engine.table(metric, [.avg], by: [], filters: [filter], from: before.lowerBound, to: before.upperBound, nowMs: nowMs)[0]
            let new = try await engine.table(metric, [.avg], by: [], filters: [filter], from: after.lowerBound, to: after.upperBound, nowMs: nowMs)[0]
            guard let was = old.values.first, let now = new.values.first else { continue }
            let absoluteFloor = metric.hasSuffix("bytes") ? 0.05 * max(was, 1) : 5
            let moved = abs(now - was) >= absoluteFloor && abs(now - was) >= 0.2 * max(abs(was), 1e-9)
            return Signal(name: name, before: was, after: now, moved: moved)
        }
        return nil
    }
}

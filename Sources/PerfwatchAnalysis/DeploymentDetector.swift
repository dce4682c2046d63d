public import PerfwatchModel
public import PerfwatchQuery
public import PerfwatchStorage

/// Records a deploy marker when a new `service.version` shows up in the data.
///
/// Cheap by construction: the versions present are read from the in-memory series list of
/// `http.server.duration` (its `version` tag) and compared with the versions that already
/// have a marker; only a service with an unmarked version costs one count query over the
/// window, stepped at a 360th of it (10 s over an hour), to find where each version starts.
/// A version is a deploy only when another version of the service was seen before it in the
/// window — the oldest version there is the baseline, not a deploy. Limits: the time is that
/// of the first step with data (10 s over a 1 h pass); a deploy older than the window is not
/// detected (mark it with `POST /api/v1/deployments`); canary traffic of a version counts as
/// its deploy.
public struct DeploymentDetector: Sendable {
    let engine: QueryEngine
    let deployments: any DeploymentStore

    public init(engine: QueryEngine, deployments: any DeploymentStore) {
        self.engine = engine
        self.deployments = deployments
    }

    /// The markers recorded by this call.
    @discardableResult
    public func detect(from: Int64, to: Int64, nowMs: Int64) async throws -> [Deployment] {
        var present: [String: Set<String>] = [:]
        for info in try await engine.series(of: "http.server.duration") {
            guard let version = info.key.labels["version"], !version.isEmpty else { continue }
            present[info.key.labels["service"] ?? "", default: []].insert(version)
        }
        guard !present.isEmpty else { return [] }
        let known = try await deployments.deployedVersions()
        var recorded: [Deployment] = []
        let step = max(10_000, (to - from) / 360 / 10_000 * 10_000)
        for (service, versions) in present.sorted(by: { $0.key < $1.key }) {
            let unmarked = versions.filter { !known.contains(ServiceVersion(service: service, version: $0)) }
            guard !unmarked.isEmpty, versions.count >= 2 else { continue }
            let counts = try await engine.execute(
                MetricQuery(
                    metric: "http.server.duration", stat: .count, from: from, to: to, step: step, groupBy: ["version"],
                    filters: [TagFilter(key: "service", value: service)]),
                nowMs: nowMs)
            var firstSeen: [String: Int64] = [:]
            for series in counts.series {
                guard let version = series.tags["version"], let first = series.points.first(where: { $0.value > 0 }) else { continue }
                firstSeen[version] = first.time
            }
            guard let baseline = firstSeen.values.min() else { continue }
            for version in unmarked.sorted() {
                guard let start = firstSeen[version], start > baseline else { continue }
                let marker = Deployment(
                    service: service, version: version, timeMs: max(start, from), description: "detected: first data of version \(version)",
                    source: .detected)
                if let stored = try await deployments.addDetectedDeployment(marker) { recorded.append(stored) }
            }
        }
        return recorded
    }
}

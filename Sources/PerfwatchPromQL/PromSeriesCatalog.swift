/// What the HTTP API's metadata endpoints read (`/api/v1/labels`, `/api/v1/label/<name>/values`, `/api/v1/series`,
/// `/api/v1/metadata`): the label sets a store knows, without their samples. The server implements it over its
/// store beside `PromSeriesSource`; `InMemorySeriesSource` implements it for tests.
public protocol PromSeriesCatalog: Sendable {
    /// Every label set (with `__name__`) that satisfies all matchers of at least one of `matching`'s sets
    /// (Prometheus' repeated `match[]`); an empty `matching` means every series. A store that cannot tell which
    /// series have samples in `[fromMs, toMs]` cheaply may list series outside the window.
    func labelSets(matching: [[LabelMatcher]], fromMs: Int64, toMs: Int64) async throws -> [Labels]
    /// Per metric name as `labelSets` lists it: its type, help and unit (Prometheus' `/api/v1/metadata`).
    func metadata() async throws -> [String: PromMetricMetadata]
}

/// One entry of Prometheus' metadata: `type` is `counter`, `gauge`, `histogram`, `summary` or `unknown`.
public struct PromMetricMetadata: Sendable, Hashable {
    public var type: String
    public var help: String
    public var unit: String

    public init(type: String, help: String = "", unit: String = "") {
        self.type = type
        self.help = help
        self.unit = unit
    }
}

extension InMemorySeriesSource: PromSeriesCatalog {
    public func labelSets(matching: [[LabelMatcher]], fromMs: Int64, toMs: Int64) async throws -> [Labels] {
        series.filter { candidate in
            matching.isEmpty || matching.contains { set in set.allSatisfy { $0.matches(candidate.labels) } }
        }.map(\.labels)
    }

    public func metadata() async throws -> [String: PromMetricMetadata] {
        var out: [String: PromMetricMetadata] = [:]
        for candidate in series {
            if let name = candidate.labels.metricName { out[name] = PromMetricMetadata(type: "unknown") }
        }
        return out
    }
}

/// One stored sample. A NaN with Prometheus' staleness bit pattern is a stale marker, not a value.
public struct PromSample: Sendable, Hashable {
    public var timestampMs: Int64
    public var value: Double

    public init(timestampMs: Int64, value: Double) {
        self.timestampMs = timestampMs
        self.value = value
    }

    public var isStaleMarker: Bool { StaleMarker.isStale(value) }
}

/// Prometheus marks the end of a series with this exact NaN (`value.StaleNaN`); any other NaN is a real sample.
public enum StaleMarker {
    public static let bitPattern: UInt64 = 0x7ff0_0000_0000_0002
    public static let value = Double(bitPattern: bitPattern)
    public static func isStale(_ value: Double) -> Bool { value.bitPattern == bitPattern }
}

/// A series as a source hands it over: labels including `__name__`, samples sorted by time.
public struct PromSeries: Sendable, Hashable {
    public var labels: Labels
    public var samples: [PromSample]

    public init(labels: Labels, samples: [PromSample]) {
        self.labels = labels
        self.samples = samples
    }
}

/// One element of an instant vector.
public struct VectorElement: Sendable, Hashable {
    public var labels: Labels
    public var value: Double
    /// The sample's own time: a selector's result keeps it (for `timestamp()`); anything computed has the
    /// evaluation time.
    public var timestampMs: Int64

    public init(labels: Labels, value: Double, timestampMs: Int64) {
        self.labels = labels
        self.value = value
        self.timestampMs = timestampMs
    }
}

/// What a query evaluates to (Prometheus' `parser.Value`).
public enum PromValue: Sendable {
    case scalar(timestampMs: Int64, value: Double)
    case string(timestampMs: Int64, value: String)
    case vector([VectorElement])
    /// A range vector (instant query of `foo[5m]`) or a range query's result: series with points.
    case matrix([PromSeries])

    public var type: PromValueType {
        switch self {
        case .scalar: .scalar
        case .string: .string
        case .vector: .vector
        case .matrix: .matrix
        }
    }
}

/// The data the engine reads. The server implements it over its store; tests use `InMemorySeriesSource`.
public protocol PromSeriesSource: Sendable {
    /// Every series matching all `matchers`, with its samples in `[fromMs, toMs]` (both ends included), sorted by
    /// time; stale markers included. Series with no sample in the window may be left out.
    func select(_ matchers: [LabelMatcher], fromMs: Int64, toMs: Int64) async throws -> [PromSeries]
}

/// A source over series held in memory: the tests' store, and a reference for what `select` must return.
public struct InMemorySeriesSource: PromSeriesSource {
    public var series: [PromSeries]

    public init(series: [PromSeries]) { self.series = series }

    public func select(_ matchers: [LabelMatcher], fromMs: Int64, toMs: Int64) async throws -> [PromSeries] {
        series.compactMap { candidate in
            guard matchers.allSatisfy({ $0.matches(candidate.labels) }) else { return nil }
            let window = candidate.samples.filter { $0.timestampMs >= fromMs && $0.timestampMs <= toMs }
            return window.isEmpty ? nil : PromSeries(labels: candidate.labels, samples: window)
        }
    }
}

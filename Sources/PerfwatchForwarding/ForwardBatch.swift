public import PerfwatchModel
import PerfwatchSketch
import PerfwatchStorage

/// What one commit received, in the form every encoder reads: metric points (a distribution's
/// values of the commit summed up per series) and spans. Metrics Perfwatch derives itself
/// (from spans and beacons) and browser records stay home: a destination gets what was sent in.
public struct ForwardBatch: Sendable {
    /// A distribution's values as count, sum, min, max and the sketch's bins (each bin's value
    /// is within 1% of every value it counts).
    public struct Distribution: Sendable, Equatable {
        public var count: UInt64
        public var sum: Double
        public var min: Double
        public var max: Double
        public var bins: [Bin]

        public struct Bin: Sendable, Equatable {
            public var value: Double
            public var count: UInt64

            public init(value: Double, count: UInt64) {
                self.value = value
                self.count = count
            }
        }

        public init(count: UInt64, sum: Double, min: Double, max: Double, bins: [Bin]) {
            self.count = count
            self.sum = sum
            self.min = min
            self.max = max
            self.bins = bins
        }
    }

    public enum Value: Sendable, Equatable {
        case number(Double)
        case distribution(Distribution)
    }

    public struct Point: Sendable, Equatable {
        public var metric: String
        /// Sorted by key.
        public var labels: [(key: String, value: String)]
        public var kind: MetricKind
        public var temporality: Temporality
        public var unit: String
        public var timeMs: Int64
        public var value: Value

        public init(
            metric: String, labels: [(key: String, value: String)], kind: MetricKind, temporality: Temporality, unit: String, timeMs: Int64,
            value: Value
        ) {
            self.metric = metric
            self.labels = labels
            self.kind = kind
            self.temporality = temporality
            self.unit = unit
            self.timeMs = timeMs
            self.value = value
        }

        public static func == (lhs: Point, rhs: Point) -> Bool {
            lhs.metric == rhs.metric && lhs.labels.elementsEqual(rhs.labels, by: { $0 == $1 }) && lhs.kind == rhs.kind
                && lhs.temporality == rhs.temporality && lhs.unit == rhs.unit && lhs.timeMs == rhs.timeMs && lhs.value == rhs.value
        }
    }

    public var points: [Point]
    public var spans: [Span]

    public init(points: [Point] = [], spans: [Span] = []) {
        self.points = points
        self.spans = spans
    }

    public var isEmpty: Bool { points.isEmpty && spans.isEmpty }

    /// The received part of a committed payload, less the points at `refused` (what the store
    /// refused for a kind conflict). Spans are decoded only when `decodeSpans` (some destination
    /// takes traces); a block that cannot be decoded is left out.
    public init(payload: IngestPayload, decodeSpans: Bool, refused: Set<Int> = []) {
        points = Self.points(of: payload.points, refused: refused)
        spans = []
        if decodeSpans {
            for block in payload.spanBlocks {
                if let decoded = try? SpanBlockCodec.decode(block.data) { spans += decoded }
            }
        }
    }

    /// Counters and gauges point by point; each distribution series' values and sketches of
    /// the commit as one summary at the newest of their times.
    static func points(of batch: PointBatch, refused: Set<Int>) -> [Point] {
        var out: [Point] = []
        var sketches: [Int32: (sketch: QuantileSketch, timeMs: Int64)] = [:]
        var order: [Int32] = []
        func point(_ series: PointBatch.Series, _ timeMs: Int64, _ value: Value) -> Point {
            Point(
                metric: series.key.metric, labels: series.key.labels.pairs, kind: series.kind, temporality: series.temporality, unit: series.unit,
                timeMs: timeMs, value: value)
        }
        for (position, entry) in batch.entries.enumerated() where !refused.contains(position) {
            let series = batch.series[Int(entry.series)]
            guard series.kind == .distribution else {
                out.append(point(series, entry.sample.timeMs, .number(entry.sample.value)))
                continue
            }
            if sketches[entry.series] == nil { order.append(entry.series) }
            var held = sketches[entry.series] ?? (QuantileSketch(), entry.sample.timeMs)
            held.sketch.add(entry.sample.value)
            held.timeMs = Swift.max(held.timeMs, entry.sample.timeMs)
            sketches[entry.series] = held
        }
        for entry in batch.sketchEntries {
            guard let sketch = try? QuantileSketch(encoded: entry.sketch) else { continue }
            if sketches[entry.series] == nil { order.append(entry.series) }
            var held = sketches[entry.series] ?? (QuantileSketch(relativeAccuracy: sketch.relativeAccuracy), entry.timeMs)
            if held.sketch.relativeAccuracy == sketch.relativeAccuracy { held.sketch.merge(sketch) }
            held.timeMs = Swift.max(held.timeMs, entry.timeMs)
            sketches[entry.series] = held
        }
        for index in order {
            guard let held = sketches[index], held.sketch.count > 0 else { continue }
            let summary = Distribution(
                count: held.sketch.count, sum: held.sketch.sum, min: held.sketch.min, max: held.sketch.max,
                bins: held.sketch.bins.map { Distribution.Bin(value: $0.value, count: $0.count) })
            out.append(point(batch.series[Int(index)], held.timeMs, .distribution(summary)))
        }
        return out
    }
}

import PerfwatchGzip
import PerfwatchModel

/// Datadog's series API v2 body (`POST /api/v2/series`), gzip-compressed:
/// `{"series":[{"metric","type","points":[{"timestamp","value"}],"resources":[{"name","type":"host"}],"tags":["k:v"]}]}`.
///
/// Types: gauges 3 (gauge), delta counters 1 (count), cumulative counters 3 (a running total is
/// a gauge to Datadog: its `count` type wants increments). A distribution becomes five series,
/// `<name>.count` and `<name>.sum` (counts) and `<name>.min`, `.max`, `.avg` (gauges): the v2
/// series API has no distribution type. The `host` label names the resource; every other label
/// is a `key:value` tag. Bodies are split so each stays within Datadog's 500 KB compressed and
/// 5 MB uncompressed limits; non-finite values (JSON has none) are left out.
public struct DatadogSeriesEncoder: ForwardEncoder {
    public static let maxCompressedBytes = 500_000
    public static let maxUncompressedBytes = 5_000_000

    public enum SeriesType: Int, Sendable {
        case unspecified = 0, count = 1, rate = 2, gauge = 3
    }

    struct Series {
        var metric: String
        var type: SeriesType
        var host: String?
        var tags: [String]
        var points: [(timestamp: Int64, value: Double)]
    }

    public init() {}

    public func encode(_ batch: ForwardBatch, unrepresentable: inout Int) -> [EncodedRequest] {
        var series: [Series] = []
        var positions: [String: Int] = [:]
        func add(_ metric: String, _ type: SeriesType, _ point: ForwardBatch.Point, _ value: Double) {
            guard value.isFinite else {
                unrepresentable += 1
                return
            }
            let host = point.labels.first { $0.key == "host" }?.value
            let tags = point.labels.filter { $0.key != "host" }.map { "\($0.key):\($0.value)" }
            let key = "\(metric)\u{0}\(type.rawValue)\u{0}\(host ?? "")\u{0}" + tags.joined(separator: "\u{0}")
            let timestamp = point.timeMs / 1000
            if let position = positions[key] {
                series[position].points.append((timestamp, value))
            } else {
                positions[key] = series.count
                series.append(Series(metric: metric, type: type, host: host, tags: tags, points: [(timestamp, value)]))
            }
        }
        for point in batch.points {
            switch point.value {
            case .number(let value):
                let type: SeriesType = point.kind == .counter && point.temporality == .delta ? .count : .gauge
                add(point.metric, type, point, value)
            case .distribution(let summary):
                add(point.metric + ".count", .count, point, Double(summary.count))
                add(point.metric + ".sum", .count, point, summary.sum)
                add(point.metric + ".min", .gauge, point, summary.min)
                add(point.metric + ".max", .gauge, point, summary.max)
                add(point.metric + ".avg", .gauge, point, summary.count > 0 ? summary.sum / Double(summary.count) : .nan)
            }
        }
        return series.isEmpty ? [] : bodies(series[...])
    }

    /// One body, or halves of it until each is within the limits.
    func bodies(_ series: ArraySlice<Series>) -> [EncodedRequest] {
        let json = Self.json(series)
        let compressed = GzipDeflater.gzip(Array(json.utf8), level: 6)
        if (compressed.count > Self.maxCompressedBytes || json.utf8.count > Self.maxUncompressedBytes) && series.count > 1 {
            let middle = series.startIndex + series.count / 2
            return bodies(series[..<middle]) + bodies(series[middle...])
        }
        return [EncodedRequest(signal: .metrics, items: series.reduce(0) { $0 + $1.points.count }, body: compressed)]
    }

    static func json(_ series: ArraySlice<Series>) -> String {
        var out = "{\"series\":["
        for (index, entry) in series.enumerated() {
            if index > 0 { out += "," }
            out += "{\"metric\":"
            JSONString.append(entry.metric, to: &out)
            out += ",\"type\":\(entry.type.rawValue),\"points\":["
            for (pointIndex, point) in entry.points.enumerated() {
                if pointIndex > 0 { out += "," }
                out += "{\"timestamp\":\(point.timestamp),\"value\":\(point.value)}"
            }
            out += "]"
            if let host = entry.host {
                out += ",\"resources\":[{\"name\":"
                JSONString.append(host, to: &out)
                out += ",\"type\":\"host\"}]"
            }
            out += ",\"tags\":["
            for (tagIndex, tag) in entry.tags.enumerated() {
                if tagIndex > 0 { out += "," }
                JSONString.append(tag, to: &out)
            }
            out += "]}"
        }
        out += "]}"
        return out
    }
}

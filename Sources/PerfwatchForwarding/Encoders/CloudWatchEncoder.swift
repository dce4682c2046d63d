import PerfwatchModel

/// CloudWatch `PutMetricData` in the query protocol: a form-encoded body
/// `Action=PutMetricData&Version=2010-08-01&Namespace=…&MetricData.member.N.MetricName=…` with
/// `Value`, `Timestamp`, `Unit` and `Dimensions.member.M.Name/Value`; distributions as
/// `StatisticValues.SampleCount/Sum/Minimum/Maximum`. At most 1,000 metrics per request and
/// 30 dimensions per metric (the first 30 labels by name; empty label values are left out, as
/// CloudWatch refuses them); bodies stay under CloudWatch's 1 MB. Non-finite values are left out.
public struct CloudWatchEncoder: ForwardEncoder {
    public static let maxMetricsPerRequest = 1000
    public static let maxDimensions = 30
    public static let maxBodyBytes = 1_000_000

    public var namespace: String

    public init(namespace: String) { self.namespace = namespace }

    public func encode(_ batch: ForwardBatch, unrepresentable: inout Int) -> [EncodedRequest] {
        let header = "Action=PutMetricData&Version=2010-08-01&Namespace=" + AWSEncoding.percent(namespace)
        var out: [EncodedRequest] = []
        var body = header
        var members = 0
        for point in batch.points {
            switch point.value {
            case .number(let value) where !value.isFinite:
                unrepresentable += 1
                continue
            case .distribution(let summary) where !(summary.sum.isFinite && summary.min.isFinite && summary.max.isFinite):
                unrepresentable += 1
                continue
            default: break
            }
            var fields = member(point, index: members + 1)
            if members == Self.maxMetricsPerRequest || (members > 0 && body.utf8.count + fields.utf8.count > Self.maxBodyBytes) {
                out.append(EncodedRequest(signal: .metrics, items: members, body: Array(body.utf8)))
                body = header
                members = 0
                fields = member(point, index: 1)
            }
            body += fields
            members += 1
        }
        if members > 0 { out.append(EncodedRequest(signal: .metrics, items: members, body: Array(body.utf8))) }
        return out
    }

    /// `&MetricData.member.N.…` fields of one point.
    func member(_ point: ForwardBatch.Point, index: Int) -> String {
        let prefix = "&MetricData.member.\(index)."
        var text = prefix + "MetricName=" + AWSEncoding.percent(point.metric)
        text += prefix + "Timestamp=" + AWSEncoding.percent(UTCDateTime(ms: point.timeMs).rfc3339)
        switch point.value {
        case .number(let value):
            text += prefix + "Value=" + AWSEncoding.percent(Self.number(value))
        case .distribution(let summary):
            text += prefix + "StatisticValues.SampleCount=\(summary.count)"
            text += prefix + "StatisticValues.Sum=" + AWSEncoding.percent(Self.number(summary.sum))
            text += prefix + "StatisticValues.Minimum=" + AWSEncoding.percent(Self.number(summary.min))
            text += prefix + "StatisticValues.Maximum=" + AWSEncoding.percent(Self.number(summary.max))
        }
        text += prefix + "Unit=" + Self.unit(point)
        var dimension = 0
        for label in point.labels where !label.value.isEmpty && dimension < Self.maxDimensions {
            dimension += 1
            text += prefix + "Dimensions.member.\(dimension).Name=" + AWSEncoding.percent(label.key)
            text += prefix + "Dimensions.member.\(dimension).Value=" + AWSEncoding.percent(label.value)
        }
        return text
    }

    /// CloudWatch's unit for an OpenTelemetry/UCUM unit; counters without one count.
    static func unit(_ point: ForwardBatch.Point) -> String {
        switch point.unit {
        case "ms": "Milliseconds"
        case "s": "Seconds"
        case "us", "µs": "Microseconds"
        case "By": "Bytes"
        case "KiBy", "kBy": "Kilobytes"
        case "MiBy", "MBy": "Megabytes"
        case "bit": "Bits"
        case "%": "Percent"
        case "By/s": "Bytes/Second"
        case "1/s", "{requests}/s": "Count/Second"
        default: point.kind == .counter ? "Count" : "None"
        }
    }

    /// Plain decimal text for a finite double ("1.5", "1e-07" is accepted by CloudWatch too).
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}

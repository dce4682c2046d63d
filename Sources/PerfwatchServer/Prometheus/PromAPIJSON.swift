import Hummingbird
import NIOCore
import PerfwatchModel
import PerfwatchPromQL

/// Prometheus' response envelope, written by hand (sample values are strings, times float seconds, label sets
/// objects): `{"status":"success","data":…,"warnings":[…]}` and `{"status":"error","errorType":…,"error":…}`.
enum PromAPIJSON {
    static func success(data: String, warnings: [String] = []) -> Response {
        var out = "{\"status\":\"success\",\"data\":" + data
        if !warnings.isEmpty {
            out += ",\"warnings\":" + stringArray(warnings)
        }
        out += "}"
        return response(out, status: .ok)
    }

    static func error(_ error: PromAPIError) -> Response {
        var out = "{\"status\":\"error\",\"errorType\":"
        JSONString.append(error.type, to: &out)
        out += ",\"error\":"
        JSONString.append(error.message, to: &out)
        out += "}"
        return response(out, status: error.status)
    }

    private static func response(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// `{"resultType":"vector","result":[…]}`.
    static func result(_ value: PromValue) -> String {
        var out = "{\"resultType\":\"" + resultType(value) + "\",\"result\":"
        switch value {
        case .scalar(let t, let v): appendPoint(t, PromFormat.value(v), to: &out)
        case .string(let t, let text):
            out += "[" + time(t) + ","
            JSONString.append(text, to: &out)
            out += "]"
        case .vector(let elements):
            appendArray(elements, to: &out) { element, out in
                out += "{\"metric\":"
                appendLabels(element.labels, to: &out)
                out += ",\"value\":"
                appendPoint(element.timestampMs, PromFormat.value(element.value), to: &out)
                out += "}"
            }
        case .matrix(let series):
            appendArray(series, to: &out) { one, out in
                out += "{\"metric\":"
                appendLabels(one.labels, to: &out)
                out += ",\"values\":"
                appendArray(one.samples, to: &out) { sample, out in
                    appendPoint(sample.timestampMs, PromFormat.value(sample.value), to: &out)
                }
                out += "}"
            }
        }
        return out + "}"
    }

    /// Prometheus' names for the four value types (the engine's `PromValueType` says "instant vector").
    static func resultType(_ value: PromValue) -> String {
        switch value {
        case .scalar: "scalar"
        case .string: "string"
        case .vector: "vector"
        case .matrix: "matrix"
        }
    }

    static func appendLabels(_ labels: PerfwatchPromQL.Labels, to out: inout String) {
        out += "{"
        for (index, pair) in labels.pairs.enumerated() {
            if index > 0 { out += "," }
            JSONString.append(pair.name, to: &out)
            out += ":"
            JSONString.append(pair.value, to: &out)
        }
        out += "}"
    }

    static func labelSets(_ sets: [PerfwatchPromQL.Labels]) -> String {
        var out = ""
        appendArray(sets, to: &out) { labels, out in appendLabels(labels, to: &out) }
        return out
    }

    static func stringArray(_ values: [String]) -> String {
        var out = ""
        appendArray(values, to: &out) { value, out in JSONString.append(value, to: &out) }
        return out
    }

    /// `[a,b,…]` with each element written by `each`.
    static func appendArray<Element>(_ items: [Element], to out: inout String, _ each: (Element, inout String) -> Void) {
        out += "["
        for (index, item) in items.enumerated() {
            if index > 0 { out += "," }
            each(item, &out)
        }
        out += "]"
    }

    private static func appendPoint(_ ms: Int64, _ value: String, to out: inout String) {
        out += "[" + time(ms) + ",\"" + value + "\"]"
    }

    /// Float seconds as Prometheus writes them: `4`, `4.5`, `1700000000.123` (milliseconds, trailing zeros cut).
    static func time(_ ms: Int64) -> String {
        let negative = ms < 0
        let magnitude = ms.magnitude
        var out = (negative ? "-" : "") + String(magnitude / 1000)
        let fraction = magnitude % 1000
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            out += "." + digits
        }
        return out
    }
}

import PerfwatchModel

// The waterfall's spans write themselves (`JSONSelfWriting`): a trace is the largest response read
// interactively, and the keyed-container walk (a key escape scan and an existential call per field)
// was most of its time: 816 → 460 µs per 60-span trace (-O harness, one run, 2026-11-30).
// `TraceResponseJSONTests` pins the text against the generic encoder's.

extension TraceResponse.SpanEntry: JSONSelfWriting {
    func writeJSON(into out: inout String) {
        out += "{\"spanId\":"
        JSONString.append(spanId, to: &out)
        out += ",\"parentSpanId\":"
        JSONString.append(parentSpanId, to: &out)
        out += ",\"name\":"
        JSONString.append(name, to: &out)
        out += ",\"service\":"
        JSONString.append(service, to: &out)
        out += ",\"kind\":"
        JSONString.append(kind, to: &out)
        out += ",\"startTime\":"
        JSONNumber.append(startTime, to: &out)
        out += ",\"durationMs\":"
        JSONNumber.append(durationMs, to: &out)
        out += ",\"selfTimeMs\":"
        JSONNumber.append(selfTimeMs, to: &out)
        out += ",\"status\":"
        JSONString.append(status, to: &out)
        out += ",\"statusMessage\":"
        JSONString.append(statusMessage, to: &out)
        out += ",\"attributes\":"
        JSONString.appendObject(attributes, to: &out)
        out += ",\"events\":["
        for (index, event) in events.enumerated() {
            if index > 0 { out += "," }
            event.writeJSON(into: &out)
        }
        out += "]}"
    }
}

extension TraceResponse.EventEntry: JSONSelfWriting {
    func writeJSON(into out: inout String) {
        out += "{\"time\":"
        JSONNumber.append(time, to: &out)
        out += ",\"name\":"
        JSONString.append(name, to: &out)
        out += ",\"attributes\":"
        JSONString.appendObject(attributes, to: &out)
        out += "}"
    }
}

import PerfwatchModel

/// The JSON stored in text columns (series labels, span attributes, events, resources), written
/// by hand: Foundation's JSONEncoder was the largest cost of storing spans in profiles. Keys are
/// sorted so equal maps give equal text. Read back with JSONDecoder.
enum StoredJSON {
    static func object(_ map: [String: String]) -> String {
        var out = ""
        JSONString.appendObject(map, to: &out)
        return out
    }

    static func events(_ events: [Span.Event]) -> String {
        guard !events.isEmpty else { return "[]" }
        var out = "["
        for (index, event) in events.enumerated() {
            if index > 0 { out += "," }
            out += "{\"attributes\":" + object(event.attributes) + ",\"name\":"
            JSONString.append(event.name, to: &out)
            out += ",\"timeNs\":" + String(event.timeNs) + "}"
        }
        return out + "]"
    }
}

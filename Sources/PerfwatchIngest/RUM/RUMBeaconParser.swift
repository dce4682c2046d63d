import PerfwatchModel

/// Parses and checks a beacon. A beacon without its identity (`v: 1`, `key`, `pv`, `url`) is
/// refused whole (400); an absurd value (negative, not finite, a time over an hour, CLS over
/// 100) is dropped alone and named in `dropped`, and the rest of the beacon is kept.
public enum RUMBeaconParser {
    static let maxMs = 3_600_000.0
    static let maxCLS = 100.0
    static let maxErrors = 10
    static let maxJourneys = 20
    static let maxSteps = 50
    static let connections: Set<String> = ["slow-2g", "2g", "3g", "4g"]

    public static func parse(_ body: [UInt8]) throws -> RUMBeacon {
        let document: JSONValue
        do { document = try JSONReader.parse(body) } catch let error as PerfwatchError {
            throw PerfwatchError(.badRequest, "beacon is not valid JSON: \(error.message)")
        }
        guard document.objectMembers != nil else {
            throw PerfwatchError(.badRequest, "beacon must be a JSON object, got \(document.typeName)")
        }
        guard case .number(let version, _)? = document["v"], version == 1 else {
            throw PerfwatchError(.badRequest, "beacon field 'v' must be 1 (the format version)")
        }
        func required(_ name: String, limit: Int) throws -> String {
            guard let text = document[name]?.stringValue, !text.isEmpty else {
                throw PerfwatchError(.badRequest, "beacon field '\(name)' is missing or not a string")
            }
            return clip(text, limit)
        }
        var beacon = RUMBeacon(
            key: try required("key", limit: 200), pageViewID: try required("pv", limit: 64),
            sessionID: clip(document["sid"]?.stringValue ?? "", 64), url: try required("url", limit: 2000),
            route: document["route"]?.stringValue.map { clip($0, 300) },
            release: clip(document["rel"]?.stringValue ?? "", 100),
            viewportWidth: number(document["vw"]).map { Int(max(0, min($0, 100_000))) },
            connection: document["ct"]?.stringValue.flatMap { connections.contains($0) ? $0 : nil } ?? "unknown")

        if let vitals = document["vitals"]?.objectMembers {
            beacon.isPageView = true
            for (name, value) in vitals where RUMBeacon.vitalNames.contains(name) {
                let limit = name == "cls" ? maxCLS : maxMs
                if let checked = checked(value, limit: limit) { beacon.vitals[name] = checked } else { beacon.dropped.append(name) }
            }
        }
        if let navigation = document["nav"]?.objectMembers {
            beacon.isPageView = true
            for (name, value) in navigation where RUMBeacon.navigationPhases.contains(name) {
                if let checked = checked(value, limit: maxMs) { beacon.navigation[name] = checked } else { beacon.dropped.append("nav.\(name)") }
            }
        }
        if let tbt = document["tbt"] {
            beacon.isPageView = true
            if let checked = checked(tbt, limit: maxMs) { beacon.totalBlockingTimeMs = checked } else { beacon.dropped.append("tbt") }
        }
        if let resources = document["res"]?.objectMembers {
            beacon.isPageView = true
            for (type, value) in resources where RUMBeacon.resourceTypes.contains(type) {
                guard let count = checked(value["n"], limit: 100_000), let bytes = checked(value["b"], limit: 1e11) else {
                    beacon.dropped.append("res.\(type)")
                    continue
                }
                beacon.resources[type] = RUMBeacon.Resource(count: count, transferBytes: bytes, decodedBytes: checked(value["d"], limit: 1e11))
            }
        }
        for item in (document["errors"]?.arrayValue ?? []).prefix(maxErrors) {
            guard let message = item["msg"]?.stringValue else {
                beacon.dropped.append("error")
                continue
            }
            beacon.errors.append(
                RUMBeacon.Error(
                    kind: item["kind"]?.stringValue == "rejection" ? "rejection" : "error", message: clip(message, 500),
                    source: clip(item["src"]?.stringValue ?? "", 300), line: Int(checked(item["line"], limit: 1e9) ?? 0),
                    column: Int(checked(item["col"], limit: 1e9) ?? 0), stack: clip(item["stack"]?.stringValue ?? "", 3000)))
        }
        for item in (document["journeys"]?.arrayValue ?? []).prefix(maxJourneys) {
            if let journey = journey(item) { beacon.journeys.append(journey) } else { beacon.dropped.append("journey") }
        }
        return beacon
    }

    static func journey(_ item: JSONValue) -> RUMBeacon.Journey? {
        guard let id = item["id"]?.stringValue, !id.isEmpty, let type = item["type"]?.stringValue, !type.isEmpty,
            let state = item["state"]?.stringValue.flatMap(RUMJourney.State.init(rawValue:)),
            let start = checked(item["start"], limit: 1e15)
        else { return nil }
        var steps: [RUMJourney.Step] = []
        for step in (item["steps"]?.arrayValue ?? []).prefix(maxSteps) {
            guard let name = step["name"]?.stringValue, let at = checked(step["t"], limit: 24 * maxMs) else { return nil }
            steps.append(RUMJourney.Step(name: clip(name, 100), atMs: at))
        }
        let end = checked(item["end"], limit: 1e15).map { Int64($0) }
        if let end, end < Int64(start) { return nil }
        return RUMBeacon.Journey(
            id: clip(id, 100), type: clip(type, 64), targetMs: checked(item["target"], limit: 24 * maxMs),
            startMs: Int64(start), endMs: end, state: state, reason: clip(item["reason"]?.stringValue ?? "", 200), steps: steps)
    }

    /// `text` cut to `limit` characters. Most values are far shorter: counting their UTF-8
    /// bytes is enough to know, and cheaper than walking characters (a profile showed it).
    static func clip(_ text: String, _ limit: Int) -> String {
        text.utf8.count <= limit ? text : String(text.prefix(limit))
    }

    static func number(_ value: JSONValue?) -> Double? {
        if case .number(let number, _)? = value { return number }
        return nil
    }

    /// A finite number in `0...limit`, else nil.
    static func checked(_ value: JSONValue?, limit: Double) -> Double? {
        guard let number = number(value), number.isFinite, number >= 0, number <= limit else { return nil }
        return number
    }
}

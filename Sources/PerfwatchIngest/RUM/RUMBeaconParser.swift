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

    /// Top-level members as sent (the first of a repeated name wins, as in a JSON lookup);
    /// `vitals`, `nav` and `res` are read into the beacon while parsing, without a tree.
    private struct Members {
        var version, key, pageView, session, url, route, release, viewport, connection, tbt, errors, journeys: JSONValue?
        var sawVitals = false, sawNavigation = false, sawResources = false
    }

    public static func parse(_ body: [UInt8]) throws -> RUMBeacon {
        // One pass over the bytes: syntax errors come first (the whole document is read), then
        // missing or wrong fields, in the order below.
        var members = Members()
        var beacon = RUMBeacon(key: "", pageViewID: "", sessionID: "", url: "", route: nil, release: "", viewportWidth: nil, connection: "")
        var parser = JSONReader.Parser(bytes: body)
        var notAnObject: JSONValue?
        do {
            parser.skipWhitespace()
            guard parser.position < body.count else { throw parser.fail("unexpected end of input, expected a value") }
            if parser.atObject {
                try parser.forEachMember(depth: 0) { parser, name in
                    try member(name, &parser, into: &members, &beacon)
                }
            } else {
                notAnObject = try parser.value(depth: 0)
            }
            parser.skipWhitespace()
            if parser.position < body.count { throw parser.fail("unexpected text after the document") }
        } catch let failure as JSONReader.Failure {
            throw PerfwatchError(.badRequest, "beacon is not valid JSON: \(failure.error(in: body).message)")
        }
        if let notAnObject { throw PerfwatchError(.badRequest, "beacon must be a JSON object, got \(notAnObject.typeName)") }
        guard case .number(let version, _)? = members.version, version == 1 else {
            throw PerfwatchError(.badRequest, "beacon field 'v' must be 1 (the format version)")
        }
        func required(_ value: JSONValue?, _ name: String, limit: Int) throws -> String {
            guard let text = value?.stringValue, !text.isEmpty else {
                throw PerfwatchError(.badRequest, "beacon field '\(name)' is missing or not a string")
            }
            return clip(text, limit)
        }
        beacon.key = try required(members.key, "key", limit: 200)
        beacon.pageViewID = try required(members.pageView, "pv", limit: 64)
        beacon.sessionID = clip(members.session?.stringValue ?? "", 64)
        beacon.url = try required(members.url, "url", limit: 2000)
        beacon.route = members.route?.stringValue.map { clip($0, 300) }
        beacon.release = clip(members.release?.stringValue ?? "", 100)
        // NaN would pass min/max untouched and trap in Int(): only finite widths are kept.
        beacon.viewportWidth = number(members.viewport).flatMap { $0.isNaN ? nil : Int(max(0, min($0, 100_000))) }
        beacon.connection = members.connection?.stringValue.flatMap { connections.contains($0) ? $0 : nil } ?? "unknown"
        if let tbt = members.tbt {
            beacon.isPageView = true
            if let checked = checked(tbt, limit: maxMs) { beacon.totalBlockingTimeMs = checked } else { beacon.dropped.append("tbt") }
        }
        for item in (members.errors?.arrayValue ?? []).prefix(maxErrors) {
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
        for item in (members.journeys?.arrayValue ?? []).prefix(maxJourneys) {
            if let journey = journey(item) { beacon.journeys.append(journey) } else { beacon.dropped.append("journey") }
        }
        return beacon
    }

    /// Reads one top-level member's value (exactly one value is consumed).
    private static func member(
        _ name: String, _ parser: inout JSONReader.Parser, into members: inout Members, _ beacon: inout RUMBeacon
    ) throws {
        switch name {
        case "vitals" where !members.sawVitals && parser.atObject:
            members.sawVitals = true
            beacon.isPageView = true
            try measures(&parser, named: RUMBeacon.vitalNames, droppedAs: "", into: &beacon.vitalValues, &beacon.dropped) {
                $0 == "cls" ? maxCLS : maxMs
            }
        case "nav" where !members.sawNavigation && parser.atObject:
            members.sawNavigation = true
            beacon.isPageView = true
            try measures(&parser, named: RUMBeacon.navigationPhases, droppedAs: "nav.", into: &beacon.navigationValues, &beacon.dropped) { _ in maxMs }
        case "res" where !members.sawResources && parser.atObject:
            members.sawResources = true
            beacon.isPageView = true
            try parser.forEachMember(depth: 1) { parser, type in
                let value = try parser.value(depth: 2)
                guard let index = RUMBeacon.resourceTypes.firstIndex(of: type) else { return }
                guard let count = checked(value["n"], limit: 100_000), let bytes = checked(value["b"], limit: 1e11) else {
                    beacon.dropped.append("res.\(type)")
                    return
                }
                beacon.resourceValues[index] = RUMBeacon.Resource(count: count, transferBytes: bytes, decodedBytes: checked(value["d"], limit: 1e11))
            }
        default:
            let value = try parser.value(depth: 1)
            func keepFirst(_ slot: inout JSONValue?) { if slot == nil { slot = value } }
            switch name {
            case "vitals": members.sawVitals = true
            case "nav": members.sawNavigation = true
            case "res": members.sawResources = true
            case "v": keepFirst(&members.version)
            case "key": keepFirst(&members.key)
            case "pv": keepFirst(&members.pageView)
            case "sid": keepFirst(&members.session)
            case "url": keepFirst(&members.url)
            case "route": keepFirst(&members.route)
            case "rel": keepFirst(&members.release)
            case "vw": keepFirst(&members.viewport)
            case "ct": keepFirst(&members.connection)
            case "tbt": keepFirst(&members.tbt)
            case "errors": keepFirst(&members.errors)
            case "journeys": keepFirst(&members.journeys)
            default: break
            }
        }
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

    /// Reads an object of numbers into `values` by their position in `names` (other names are
    /// skipped); a value outside `0...limit(name)` is dropped and named `prefix + name`.
    private static func measures(
        _ parser: inout JSONReader.Parser, named names: [String], droppedAs prefix: String, into values: inout [Double?],
        _ dropped: inout [String], limit: (String) -> Double
    ) throws {
        try parser.forEachMember(depth: 1) { parser, name in
            let value = try parser.value(depth: 2)
            guard let index = names.firstIndex(of: name) else { return }
            if let checked = checked(value, limit: limit(name)) { values[index] = checked } else { dropped.append(prefix + name) }
        }
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

public import PerfwatchModel

/// One browser beacon, checked (docs/formats/rum-beacon.md). Values outside sane ranges were
/// dropped one by one while parsing; `dropped` names them.
public struct RUMBeacon: Sendable {
    public struct Resource: Sendable, Equatable {
        public var count: Double
        public var transferBytes: Double
        public var decodedBytes: Double?
    }

    public struct Error: Sendable {
        public var kind: String
        public var message: String
        public var source: String
        public var line: Int
        public var column: Int
        public var stack: String
    }

    public struct Journey: Sendable {
        public var id: String
        public var type: String
        public var targetMs: Double?
        public var startMs: Int64
        public var endMs: Int64?
        public var state: RUMJourney.State
        public var reason: String
        public var steps: [RUMJourney.Step]
    }

    public static let vitalNames = WebVitals.names
    public static let navigationPhases = ["dns", "connect", "tls", "request", "response", "dom", "load"]
    public static let resourceTypes = ["script", "stylesheet", "image", "font", "other"]

    public var key: String
    public var pageViewID: String
    public var sessionID: String
    public var url: String
    /// The page's own route pattern (`data-routes`), when one matched.
    public var route: String?
    public var release: String
    public var viewportWidth: Int?
    public var connection: String
    /// Vitals by position in `vitalNames`: ms, CLS unitless. Positions, not names: a beacon
    /// is parsed and derived per page view, and hashing names showed in its profile.
    public var vitalValues = [Double?](repeating: nil, count: vitalNames.count)
    /// By position in `navigationPhases`, ms.
    public var navigationValues = [Double?](repeating: nil, count: navigationPhases.count)
    public var totalBlockingTimeMs: Double?
    /// By position in `resourceTypes`.
    public var resourceValues = [Resource?](repeating: nil, count: resourceTypes.count)
    public var errors: [Error] = []
    public var journeys: [Journey] = []
    /// Whether this is the page-view beacon (it carries the page's measurements).
    public var isPageView = false
    /// Names of values refused as out of range (`lcp`, `cls`, `nav.load`, `journey.state` …).
    public var dropped: [String] = []

    /// The vitals by name (for reading and tests).
    public var vitals: [String: Double] {
        var byName: [String: Double] = [:]
        for (index, value) in vitalValues.enumerated() { if let value { byName[Self.vitalNames[index]] = value } }
        return byName
    }
}

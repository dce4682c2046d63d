/// What real-user monitoring stores besides metrics, from browser beacons (docs/formats/rum-beacon.md).
public struct RUMRecords: Sendable {
    public var pageViews: [RUMPageView] = []
    public var errors: [RUMError] = []
    public var journeys: [RUMJourney] = []

    public init() {}

    public var isEmpty: Bool { pageViews.isEmpty && errors.isEmpty && journeys.isEmpty }
    public var count: Int { pageViews.count + errors.count + journeys.count }

    public mutating func append(contentsOf other: RUMRecords) {
        pageViews += other.pageViews
        errors += other.errors
        journeys += other.journeys
    }
}

/// Where a browser event came from, as the server classified it.
public struct RUMContext: Sendable, Equatable {
    /// Route pattern of the page (`/courses/:id`).
    public var page: String
    public var device: String
    public var release: String
    public var pageViewID: String
    public var sessionID: String
    public var receivedMs: Int64

    public init(page: String, device: String, release: String, pageViewID: String, sessionID: String, receivedMs: Int64) {
        self.page = page
        self.device = device
        self.release = release
        self.pageViewID = pageViewID
        self.sessionID = sessionID
        self.receivedMs = receivedMs
    }
}

/// One page load's measurements, kept raw (the beacon's JSON) next to the classified context.
public struct RUMPageView: Sendable {
    public var context: RUMContext
    public var url: String
    public var connection: String
    /// The beacon as received (vitals, navigation timing, resources).
    public var beaconJSON: String

    public init(context: RUMContext, url: String, connection: String, beaconJSON: String) {
        self.context = context
        self.url = url
        self.connection = connection
        self.beaconJSON = beaconJSON
    }
}

/// An uncaught error or unhandled rejection in a browser.
public struct RUMError: Sendable {
    public var context: RUMContext
    /// Groups occurrences of one error: kind, message without numbers, source file, line.
    public var fingerprint: String
    public var kind: String
    public var message: String
    public var source: String
    public var line: Int
    public var column: Int
    public var stack: String

    public init(
        context: RUMContext, fingerprint: String, kind: String, message: String, source: String, line: Int, column: Int, stack: String
    ) {
        self.context = context
        self.fingerprint = fingerprint
        self.kind = kind
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.stack = stack
    }
}

/// A user journey (registration, booking, payment …) as last reported; upserted by id.
public struct RUMJourney: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case open, completed, failed, abandoned

        public var isFinal: Bool { self != .open }
    }

    public struct Step: Sendable, Equatable {
        public var name: String
        /// Milliseconds since the journey started.
        public var atMs: Double

        public init(name: String, atMs: Double) {
            self.name = name
            self.atMs = atMs
        }
    }

    public var id: String
    public var type: String
    public var targetMs: Double?
    public var startMs: Int64
    public var endMs: Int64?
    public var state: State
    public var reason: String
    public var steps: [Step]
    public var context: RUMContext

    public init(
        id: String, type: String, targetMs: Double?, startMs: Int64, endMs: Int64?, state: State, reason: String, steps: [Step],
        context: RUMContext
    ) {
        self.id = id
        self.type = type
        self.targetMs = targetMs
        self.startMs = startMs
        self.endMs = endMs
        self.state = state
        self.reason = reason
        self.steps = steps
        self.context = context
    }
}

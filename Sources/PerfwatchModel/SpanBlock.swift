/// Spans of one export, encoded once on the request's task (see `SpanBlockCodec` in
/// PerfwatchStorage) so the single writer only stores a blob and a few index rows.
/// Format: docs/formats/span-block.md.
public struct SpanBlock: Sendable {
    /// How a block's spans belong to one trace: `traceKey` is the first 8 bytes of the trace id.
    public struct TraceRef: Sendable, Equatable {
        public var traceKey: Int64
        public var spanCount: Int
        /// Start of the trace's earliest span in this block.
        public var startNs: Int64
        /// Whether any of the trace's spans in this block failed.
        public var hasError: Bool

        public init(traceKey: Int64, spanCount: Int, startNs: Int64, hasError: Bool) {
            self.traceKey = traceKey
            self.spanCount = spanCount
            self.startNs = startNs
            self.hasError = hasError
        }
    }

    /// An entry point a trace list shows: a trace root, or a service's SERVER span.
    public struct Entry: Sendable, Equatable {
        public var traceID: String
        public var traceKey: Int64
        public var spanKey: Int64
        public var service: String
        public var name: String
        public var route: String
        public var startNs: Int64
        public var durationNs: Int64

        public init(
            traceID: String, traceKey: Int64, spanKey: Int64, service: String, name: String, route: String, startNs: Int64,
            durationNs: Int64
        ) {
            self.traceID = traceID
            self.traceKey = traceKey
            self.spanKey = spanKey
            self.service = service
            self.name = name
            self.route = route
            self.startNs = startNs
            self.durationNs = durationNs
        }
    }

    /// The compressed encoding of the spans.
    public var data: [UInt8]
    public var spanCount: Int
    public var minStartNs: Int64
    public var maxStartNs: Int64
    public var traces: [TraceRef]
    public var entries: [Entry]

    public init(data: [UInt8], spanCount: Int, minStartNs: Int64, maxStartNs: Int64, traces: [TraceRef], entries: [Entry]) {
        self.data = data
        self.spanCount = spanCount
        self.minStartNs = minStartNs
        self.maxStartNs = maxStartNs
        self.traces = traces
        self.entries = entries
    }

    /// The first 8 bytes of a 32-hex-digit trace id as a signed integer (the index key); nil when
    /// the text is not hex.
    public static func traceKey(ofHex traceID: String) -> Int64? {
        var value: UInt64 = 0
        var digits = 0
        for byte in traceID.utf8 {
            guard digits < 16 else { break }
            guard let nibble = Hex.nibble(byte) else { return nil }
            value = value << 4 | UInt64(nibble)
            digits += 1
        }
        guard digits == 16 else { return nil }
        return Int64(bitPattern: value)
    }
}

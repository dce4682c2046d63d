/// One request body an encoder made, as it is spooled: which signal (so the sender knows the
/// URL) and how many points or spans it carries (what the sent and dropped counters count).
public struct EncodedRequest: Sendable, Equatable {
    public var signal: ForwardSignal
    public var items: Int
    public var body: [UInt8]

    public init(signal: ForwardSignal, items: Int, body: [UInt8]) {
        self.signal = signal
        self.items = items
        self.body = body
    }
}

/// Turns a batch into request bodies for one kind of destination.
public protocol ForwardEncoder: Sendable {
    /// Bodies for `batch` (already filtered for the destination); points it cannot express
    /// (non-finite values where the format has none) are left out and counted in `unrepresentable`.
    func encode(_ batch: ForwardBatch, unrepresentable: inout Int) -> [EncodedRequest]
}

extension Array {
    /// Splits into runs of at most `size` elements.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: Swift.max(1, size)).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

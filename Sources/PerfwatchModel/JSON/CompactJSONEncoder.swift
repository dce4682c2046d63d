/// The one encoder of every JSON body the API returns (and of the other JSON the product writes
/// for people to read): an `Encoder` that streams straight into a string, configured once.
///
/// - Keys are written as the type declares them (its `CodingKeys`), in declaration order.
/// - `nil` is written as `null`, also for optionals (`encodeIfPresent`): a response's shape does
///   not depend on its data. A key that must be absent when empty uses `@OmittedWhenNil`.
/// - Non-finite numbers are written as `null`; whole doubles below 1e15 without a fraction
///   (`3`, not `3.0`), so times and counts read as integers.
/// - `[String: V]` dictionaries are written with sorted keys, so equal maps give equal text.
///
/// Why not Foundation's `JSONEncoder`: it builds a tree of boxed values before writing, cannot
/// write non-finite numbers as `null`, and drops nil optionals. Streaming keeps query results
/// (arrays of `[time, value]`) as cheap as the hand-written writer this replaced
/// (`Benchmarks/README.md`, query latencies).
public struct CompactJSONEncoder: Sendable {
    public init() {}

    /// The JSON text of `value`.
    public func encode<T: Encodable>(_ value: T, capacity: Int = 256) throws -> String {
        let state = JSONStreamState(capacity: capacity)
        try state.writeValue(value)
        state.closeFrames(downTo: 0)
        return state.out
    }
}

/// Marks a value the keyed container leaves out entirely (see `OmittedWhenNil`).
public protocol OmittableJSONValue {
    var isOmitted: Bool { get }
}

/// A property that is absent from the JSON object when nil (instead of `"key":null`), for the
/// few responses whose documented shape omits a key.
@propertyWrapper
public struct OmittedWhenNil<Value: Encodable & Sendable>: Encodable, Sendable, OmittableJSONValue {
    public var wrappedValue: Value?
    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }
    public var isOmitted: Bool { wrappedValue == nil }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

/// A type on a hot path that writes its own JSON, with the encoder's rules (declared key order,
/// numbers by `JSONNumber`, strings by `JSONString`), instead of the keyed-container walk. Only for
/// measured cases: a 60-span trace took 460 µs with it against 816 µs through the walk and 410 µs
/// for the old hand-written writer, in one -O run on a loaded machine
/// (`Benchmarks/README.md`, "trace by id"). A test pins each one's text.
public protocol JSONSelfWriting {
    func writeJSON(into out: inout String)
}

/// `[String: V]` as an object with sorted keys (checked by a conditional-conformance cast).
protocol SortedKeyJSONObject {
    func writeSorted(into state: JSONStreamState) throws
}

extension Dictionary: SortedKeyJSONObject where Key == String, Value: Encodable {
    func writeSorted(into state: JSONStreamState) throws {
        state.out += "{"
        for (index, key) in keys.sorted().enumerated() {
            if index > 0 { state.out += "," }
            JSONString.append(key, to: &state.out)
            state.out += ":"
            try state.writeValue(self[key]!)
        }
        state.out += "}"
    }
}

/// The output and the stack of open objects and arrays. Synthesized `Encodable` code writes
/// strictly nested, so a container closes when its value's `encode(to:)` returns or when a
/// sibling at an outer level is written.
final class JSONStreamState: Encoder {
    struct Frame {
        var closing: Character
        var count = 0
    }

    // Unchecked: the state is confined to one `encode` call, and dynamic exclusivity checks on
    // these two were a fifth of the encoding time (perf, 200k points).
    @exclusivity(unchecked) var out = ""
    @exclusivity(unchecked) var frames: [Frame] = []
    /// The frame the value being written opened, if it has asked for a container already
    /// (a class and its superclass encoding into one object share it).
    @exclusivity(unchecked) var slotFrame: Int?
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(capacity: Int) { out.reserveCapacity(capacity) }

    func closeFrames(downTo depth: Int) {
        while frames.count > depth {
            out.append(frames.removeLast().closing)
        }
    }

    /// Opens `{` or `[` for the value being written, or returns the frame it already opened.
    func open(_ opening: String, closing: Character) -> Int {
        if let slotFrame, slotFrame < frames.count, frames[slotFrame].closing == closing {
            closeFrames(downTo: slotFrame + 1)
            return slotFrame
        }
        out += opening
        frames.append(Frame(closing: closing))
        slotFrame = frames.count - 1
        return frames.count - 1
    }

    /// A container nested inside another one's element (not the value's own slot).
    func openNested(_ opening: String, closing: Character) -> Int {
        let saved = slotFrame
        slotFrame = nil
        defer { slotFrame = saved }
        return open(opening, closing: closing)
    }

    /// Starts the next element of the frame at `depth`: closes what nested values left open and
    /// writes the comma.
    func beginElement(in depth: Int) {
        closeFrames(downTo: depth + 1)
        if frames[depth].count > 0 { out += "," }
        frames[depth].count += 1
    }

    func writeKey(_ key: String, in depth: Int) {
        beginElement(in: depth)
        JSONString.append(key, to: &out)
        out += ":"
    }

    func writeValue<T: Encodable>(_ value: T) throws {
        // Metatype comparisons first: they cost a pointer compare, where a failed `as?` cast of
        // every struct to every primitive costs a runtime lookup.
        if T.self == String.self {
            JSONString.append(value as! String, to: &out)
        } else if T.self == Double.self {
            writeNumber(value as! Double)
        } else if T.self == Int64.self {
            out += String(value as! Int64)
        } else if T.self == Int.self {
            out += String(value as! Int)
        } else if T.self == Bool.self {
            out += (value as! Bool) ? "true" : "false"
        } else if T.self == [String: String].self {
            // Labels and span attributes: the commonest map, written without the generic walk.
            JSONString.appendObject(value as! [String: String], to: &out)
        } else if let map = value as? any SortedKeyJSONObject {
            try map.writeSorted(into: self)
        } else if let fast = value as? any JSONSelfWriting {
            fast.writeJSON(into: &out)
        } else {
            let depth = frames.count
            let outerSlot = slotFrame
            slotFrame = nil
            let before = out.utf8.count
            try value.encode(to: self)
            if out.utf8.count == before && frames.count == depth {
                out += "{}"  // A type that encoded nothing: an empty object, as Foundation writes.
            }
            closeFrames(downTo: depth)
            slotFrame = outerSlot
        }
    }

    func writeNumber(_ value: Double) { JSONNumber.append(value, to: &out) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(JSONKeyedContainer<Key>(state: self, depth: open("{", closing: "}")))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONUnkeyedContainer(state: self, depth: open("[", closing: "]"))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueContainer(state: self)
    }
}

import CZlib
public import PerfwatchModel
import PerfwatchSketch

/// Encodes spans into a `SpanBlock` and back (format: docs/formats/span-block.md).
///
/// Why blocks: one row per span with four indexes made every span cost several random B-tree
/// inserts in the single writer. A block is one sequential blob insert plus an index row per
/// trace and per entry span, and the string table plus deflate shrink it several times.
public enum SpanBlockCodec {
    static let magic: [UInt8] = Array("PWSB".utf8)
    static let version: UInt8 = 1
    /// A larger export is split so reading one trace never inflates more than this many spans.
    public static let maxSpansPerBlock = 1024

    struct CorruptBlock: Error {}

    /// One block per `maxSpansPerBlock` spans, in order.
    public static func encodeBlocks(_ spans: [Span]) -> [SpanBlock] {
        stride(from: 0, to: spans.count, by: maxSpansPerBlock).map {
            encode(spans[$0..<min($0 + maxSpansPerBlock, spans.count)])
        }
    }

    public static func encode(_ spans: ArraySlice<Span>) -> SpanBlock {
        var strings = StringTable()
        var resources: [[String: String]] = []
        var resourcePairs = ByteWriter(capacity: 256)
        var body = ByteWriter(capacity: spans.count * 160)
        body.writeVarint(UInt64(spans.count))
        var previousStart: Int64 = 0
        var traceIndex: [Int64: Int] = [:]
        var traces: [SpanBlock.TraceRef] = []
        var entries: [SpanBlock.Entry] = []
        var minStart = Int64.max
        var maxStart = Int64.min
        for span in spans {
            let traceBytes = hexBytes(span.traceID, count: 16)
            let spanBytes = hexBytes(span.spanID, count: 8)
            body.write(contentsOf: traceBytes)
            body.write(contentsOf: spanBytes)
            body.write(contentsOf: hexBytes(span.parentSpanID, count: 8))
            body.writeVarint(strings.reference(span.service))
            body.writeVarint(strings.reference(span.name))
            body.write(UInt8(truncatingIfNeeded: span.kind.rawValue))
            body.write(UInt8(truncatingIfNeeded: span.status.rawValue))
            body.writeVarint(strings.reference(span.statusMessage))
            body.writeVarint(strings.reference(span.route))
            body.writeVarint(strings.reference(span.dbFingerprint))
            // Spans of one export share a resource: store each distinct one once.
            let resourceIndex: Int
            if let last = resources.indices.last, resources[last] == span.resource {
                resourceIndex = last
            } else if let found = resources.firstIndex(of: span.resource) {
                resourceIndex = found
            } else {
                resources.append(span.resource)
                resourceIndex = resources.count - 1
                writePairs(span.resource, to: &resourcePairs, strings: &strings)
            }
            body.writeVarint(UInt64(resourceIndex))
            body.writeSignedVarint(span.startNs &- previousStart)
            previousStart = span.startNs
            body.writeVarint(UInt64(max(0, span.durationNs)))
            writePairs(span.attributes, to: &body, strings: &strings)
            body.writeVarint(UInt64(span.events.count))
            for event in span.events {
                body.writeSignedVarint(event.timeNs &- span.startNs)
                body.writeVarint(strings.reference(event.name))
                writePairs(event.attributes, to: &body, strings: &strings)
            }

            minStart = min(minStart, span.startNs)
            maxStart = max(maxStart, span.startNs)
            let traceKey = key(traceBytes, count: 8)
            if let index = traceIndex[traceKey] {
                traces[index].spanCount += 1
                traces[index].startNs = min(traces[index].startNs, span.startNs)
                traces[index].hasError = traces[index].hasError || span.isError
            } else {
                traceIndex[traceKey] = traces.count
                traces.append(SpanBlock.TraceRef(traceKey: traceKey, spanCount: 1, startNs: span.startNs, hasError: span.isError))
            }
            // Entry points: trace roots and every SERVER span (a service's part of a distributed trace).
            if span.parentSpanID.isEmpty || span.kind == .server {
                entries.append(
                    SpanBlock.Entry(
                        traceID: span.traceID, traceKey: traceKey, spanKey: key(spanBytes, count: 8), service: span.service,
                        name: span.name, route: span.route, startNs: span.startNs, durationNs: span.durationNs))
            }
        }
        // Header: the string table and resources come first so a reader can resolve references.
        var header = ByteWriter(capacity: strings.byteCount + 64)
        header.writeVarint(UInt64(strings.values.count))
        for value in strings.values {
            let utf8 = value.utf8
            header.writeVarint(UInt64(utf8.count))
            header.write(contentsOf: utf8)
        }
        header.writeVarint(UInt64(resources.count))
        var raw = header.bytes
        raw.append(contentsOf: resourcePairs.bytes)
        raw.append(contentsOf: body.bytes)
        return SpanBlock(
            data: compress(raw), spanCount: spans.count, minStartNs: spans.isEmpty ? 0 : minStart,
            maxStartNs: spans.isEmpty ? 0 : maxStart, traces: traces, entries: entries)
    }

    /// Spans of the block, or only those of one trace (`traceID` as 32 hex digits).
    public static func decode(_ data: [UInt8], traceID: String? = nil) throws -> [Span] {
        let raw = try decompress(data)
        let wanted = traceID.map { hexBytes($0, count: 16) }
        return try raw.withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            // String references point into the buffer; text is made only for spans we return.
            let stringCount = try reader.readCount(limit: buffer.count)
            var ranges: [Range<Int>] = []
            ranges.reserveCapacity(stringCount)
            for _ in 0..<stringCount {
                let length = try reader.readCount(limit: buffer.count)
                let start = reader.offset
                try reader.skip(length)
                ranges.append(start..<start + length)
            }
            func text(_ reference: UInt64) throws -> String {
                guard reference < ranges.count else { throw CorruptBlock() }
                return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[ranges[Int(reference)]]), as: UTF8.self)
            }
            func readPairs(_ reader: inout ByteReader, keep: Bool) throws -> [String: String] {
                let count = try reader.readCount(limit: buffer.count)
                var pairs: [String: String] = [:]
                if keep { pairs.reserveCapacity(count) }
                for _ in 0..<count {
                    let keyReference = try reader.readVarint()
                    let valueReference = try reader.readVarint()
                    if keep { pairs[try text(keyReference)] = try text(valueReference) }
                }
                return pairs
            }
            let resourceCount = try reader.readCount(limit: buffer.count)
            var resources: [[String: String]] = []
            for _ in 0..<resourceCount { resources.append(try readPairs(&reader, keep: true)) }

            let spanCount = try reader.readCount(limit: buffer.count)
            var spans: [Span] = []
            var start: Int64 = 0
            for _ in 0..<spanCount {
                let idOffset = reader.offset
                try reader.skip(32)
                let keep = wanted.map { wanted in (0..<16).allSatisfy { buffer[idOffset + $0] == wanted[$0] } } ?? true
                let service = try reader.readVarint()
                let name = try reader.readVarint()
                let kind = try reader.read()
                let status = try reader.read()
                let statusMessage = try reader.readVarint()
                let route = try reader.readVarint()
                let fingerprint = try reader.readVarint()
                let resource = try reader.readVarint()
                start &+= try reader.readSignedVarint()
                let duration = Int64(clamping: try reader.readVarint())
                let attributes = try readPairs(&reader, keep: keep)
                let eventCount = try reader.readCount(limit: buffer.count)
                var events: [Span.Event] = []
                for _ in 0..<eventCount {
                    let offset = try reader.readSignedVarint()
                    let eventName = try reader.readVarint()
                    let eventAttributes = try readPairs(&reader, keep: keep)
                    if keep { events.append(Span.Event(timeNs: start &+ offset, name: try text(eventName), attributes: eventAttributes)) }
                }
                guard keep else { continue }
                guard resource < resources.count else { throw CorruptBlock() }
                let ids = UnsafeRawBufferPointer(rebasing: buffer[idOffset..<idOffset + 32])
                let parent = ids[24..<32].contains { $0 != 0 } ? Hex.encode(ids[24..<32]) : ""
                spans.append(
                    Span(
                        traceID: Hex.encode(ids[0..<16]), spanID: Hex.encode(ids[16..<24]), parentSpanID: parent, service: try text(service),
                        name: try text(name), kind: Span.Kind(rawValue: Int(kind)) ?? .unspecified, startNs: start,
                        durationNs: duration, status: Span.Status(rawValue: Int(status)) ?? .unset,
                        statusMessage: try text(statusMessage), attributes: attributes, events: events,
                        resource: resources[Int(resource)], route: try text(route), dbFingerprint: try text(fingerprint)))
            }
            return spans
        }
    }

    // MARK: - Pieces

    /// Keys are sorted so equal maps encode equally (and deflate finds the repeats).
    static func writePairs(_ pairs: [String: String], to writer: inout ByteWriter, strings: inout StringTable) {
        writer.writeVarint(UInt64(pairs.count))
        for (key, value) in pairs.sorted(by: { $0.key < $1.key }) {
            writer.writeVarint(strings.reference(key))
            writer.writeVarint(strings.reference(value))
        }
    }

    static func key(_ bytes: [UInt8], count: Int) -> Int64 {
        var value: UInt64 = 0
        for index in 0..<count { value = value << 8 | UInt64(bytes[index]) }
        return Int64(bitPattern: value)
    }

    /// Hex text to exactly `count` bytes (zeros for empty or malformed text, which validated
    /// ingest never produces; a root span's empty parent id becomes zeros this way).
    static func hexBytes(_ text: String, count: Int) -> [UInt8] {
        guard let bytes = Hex.decode(text), bytes.count == count else { return [UInt8](repeating: 0, count: count) }
        return bytes
    }

    // MARK: - Compression (zlib, level 1: most of the gain for little CPU)

    static func compress(_ raw: [UInt8]) -> [UInt8] {
        var header = ByteWriter(capacity: 16)
        header.write(contentsOf: magic)
        header.write(version)
        header.writeVarint(UInt64(raw.count))
        var output = header.bytes
        var capacity = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(capacity))
        let status = raw.withUnsafeBufferPointer { input in
            compressed.withUnsafeMutableBufferPointer { out in
                compress2(out.baseAddress, &capacity, input.baseAddress, uLong(input.count), 1)
            }
        }
        precondition(status == Z_OK, "zlib compress2 failed with \(status)")
        output.append(contentsOf: compressed[0..<Int(capacity)])
        return output
    }

    static func decompress(_ data: [UInt8]) throws -> [UInt8] {
        guard data.count > 5, Array(data[0..<4]) == magic, data[4] == version else { throw CorruptBlock() }
        var rawLength: UInt64 = 0
        var offset = 5
        try data.withUnsafeBytes { buffer in
            var reader = ByteReader(UnsafeRawBufferPointer(rebasing: buffer[5...]))
            rawLength = try reader.readVarint()
            offset += reader.offset
        }
        guard rawLength < 1 << 30 else { throw CorruptBlock() }
        var raw = [UInt8](repeating: 0, count: Int(rawLength))
        var produced = uLong(rawLength)
        let status = data.withUnsafeBufferPointer { input in
            raw.withUnsafeMutableBufferPointer { out in
                uncompress(out.baseAddress, &produced, input.baseAddress! + offset, uLong(input.count - offset))
            }
        }
        guard status == Z_OK, produced == uLong(rawLength) else { throw CorruptBlock() }
        return raw
    }
}

/// Distinct strings of a block in first-use order; a reference is the index.
struct StringTable {
    private(set) var values: [String] = []
    private var indexes: [String: UInt64] = [:]
    private(set) var byteCount = 0

    mutating func reference(_ value: String) -> UInt64 {
        if let index = indexes[value] { return index }
        let index = UInt64(values.count)
        values.append(value)
        indexes[value] = index
        byteCount += value.utf8.count + 2
        return index
    }
}

extension ByteReader {
    /// A length or count, refused when larger than the buffer could hold (corrupt data).
    mutating func readCount(limit: Int) throws -> Int {
        let value = try readVarint()
        guard value <= UInt64(limit) else { throw SpanBlockCodec.CorruptBlock() }
        return Int(value)
    }
}

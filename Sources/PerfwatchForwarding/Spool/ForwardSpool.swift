import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A destination's bounded on-disk queue of encoded requests (docs/forwarding.md, "Spool").
///
/// Append-only segment files `<seq>.seg` of records `[u32 body length][u8 signal][u32 items][body]`
/// (big-endian); a `cursor` file holds the segment and offset of the oldest unsent record, so
/// what was spooled and not sent is sent after a restart. Past `maxBytes` the oldest segment is
/// deleted whole and its unsent items counted in `droppedItems`. The record being sent (handed
/// out by `next`, not yet acknowledged) is not counted when its segment goes: it is counted as
/// sent when its send succeeds, or as dropped when the sender asks again and it is gone.
///
/// Records are not fsynced: a killed process loses nothing (the page cache keeps the writes),
/// only a machine crash can lose the newest records.
public actor ForwardSpool {
    public struct Record: Sendable, Equatable {
        public var signal: ForwardSignal
        public var items: Int
        public var body: [UInt8]
        var segment: Int64
        var offset: Int
        var end: Int
    }

    struct Entry {
        var offset: Int
        var length: Int
        var items: Int
    }

    struct Segment {
        var seq: Int64
        var size: Int
        var entries: [Entry]
    }

    static let headerBytes = 9

    public nonisolated let directory: String
    public nonisolated let maxBytes: Int
    nonisolated let segmentBytes: Int
    private var segments: [Segment] = []
    private var cursor: (seq: Int64, offset: Int) = (0, 0)
    private var nextSeq: Int64 = 0
    private var inFlight: (seq: Int64, offset: Int, items: Int)?
    /// Items deleted unsent because the spool was full (or one record was larger than it).
    public private(set) var droppedItems = 0

    /// Opens (or creates) the spool in `directory`, recovering its segments and cursor; a
    /// record cut short by a crash is cut off.
    public init(directory: String, maxBytes: Int) throws {
        self.directory = directory
        self.maxBytes = maxBytes
        // Eight segments: deleting the oldest frees an eighth of the bound at a time.
        segmentBytes = max(4096, maxBytes / 8)
        (segments, cursor, nextSeq) = try Self.recover(directory: directory)
    }

    /// The segments, cursor and next segment number found in `directory`.
    static func recover(directory: String) throws -> ([Segment], (seq: Int64, offset: Int), Int64) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        let seqs = names.compactMap { name -> Int64? in name.hasSuffix(".seg") ? Int64(name.dropLast(4)) : nil }.sorted()
        var segments = try seqs.map { seq in try recover(path: path(directory, seq), seq: seq) }
        var nextSeq = (seqs.last ?? -1) + 1
        var cursor: (seq: Int64, offset: Int) = (0, 0)
        if let saved = try? String(contentsOfFile: directory + "/cursor", encoding: .utf8) {
            let parts = saved.split(whereSeparator: \.isWhitespace)
            if parts.count == 2, let seq = Int64(parts[0]), let offset = Int(parts[1]) {
                cursor = (seq, offset)
                nextSeq = max(nextSeq, seq + 1)
            }
        }
        // Segments before the cursor's were sent.
        while let first = segments.first, first.seq < cursor.seq {
            try? FileManager.default.removeItem(atPath: path(directory, first.seq))
            segments.removeFirst()
        }
        if let first = segments.first, first.seq != cursor.seq { cursor = (first.seq, 0) }
        if segments.isEmpty { cursor = (nextSeq, 0) }
        if let first = segments.first, !first.entries.contains(where: { $0.offset == cursor.offset }) {
            let offset = cursor.offset
            cursor.offset = first.entries.first { $0.offset >= offset }?.offset ?? first.size
        }
        return (segments, cursor, nextSeq)
    }

    /// Bytes on disk not yet sent.
    public var pendingBytes: Int {
        segments.reduce(0) { $0 + $1.size } - (segments.first?.seq == cursor.seq ? cursor.offset : 0)
    }

    /// Bytes of all segment files.
    var diskBytes: Int { segments.reduce(0) { $0 + $1.size } }

    /// Appends one request; makes room first by deleting the oldest segments.
    public func append(_ request: EncodedRequest) throws {
        let size = Self.headerBytes + request.body.count
        guard size <= maxBytes else {
            droppedItems += request.items
            return
        }
        while diskBytes + size > maxBytes, let oldest = segments.first {
            droppedItems += unsentItems(oldest)
            try? FileManager.default.removeItem(atPath: Self.path(directory, oldest.seq))
            segments.removeFirst()
            if cursor.seq == oldest.seq { cursor = (segments.first?.seq ?? nextSeq, 0) }
        }
        if segments.isEmpty || (segments[segments.count - 1].size > 0 && segments[segments.count - 1].size + size > segmentBytes) {
            if segments.isEmpty { cursor = (nextSeq, 0) }
            segments.append(Segment(seq: nextSeq, size: 0, entries: []))
            nextSeq += 1
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        Self.appendUInt32(UInt32(request.body.count), to: &bytes)
        bytes.append(request.signal.rawValue)
        Self.appendUInt32(UInt32(clamping: request.items), to: &bytes)
        bytes += request.body
        let last = segments.count - 1
        let path = Self.path(directory, segments[last].seq)
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(segments[last].size))
        try handle.write(contentsOf: bytes)
        segments[last].entries.append(Entry(offset: segments[last].size, length: size, items: request.items))
        segments[last].size += size
    }

    /// The oldest unsent record (the same one again until it is acknowledged), or nil.
    public func next() -> Record? {
        if let sending = inFlight, !segments.contains(where: { $0.seq == sending.seq }) {
            // Its segment was deleted for room while it was being sent, and the send failed.
            droppedItems += sending.items
            inFlight = nil
        }
        skipFinishedSegments()
        guard let head = segments.first, head.seq == cursor.seq,
            let entry = head.entries.first(where: { $0.offset == cursor.offset }),
            let handle = FileHandle(forReadingAtPath: Self.path(directory, head.seq))
        else { return nil }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: UInt64(entry.offset))) != nil, let data = try? handle.read(upToCount: entry.length), data.count == entry.length
        else { return nil }
        let bytes = [UInt8](data)
        guard let signal = ForwardSignal(rawValue: bytes[4]) else { return nil }
        inFlight = (head.seq, entry.offset, entry.items)
        return Record(
            signal: signal, items: entry.items, body: Array(bytes[Self.headerBytes...]), segment: head.seq, offset: entry.offset,
            end: entry.offset + entry.length)
    }

    /// `record` was sent (or refused for good): the cursor moves past it.
    public func acknowledge(_ record: Record) {
        inFlight = nil
        guard cursor.seq == record.segment, cursor.offset == record.offset else { return }
        cursor.offset = record.end
        skipFinishedSegments()
        let text = "\(cursor.seq) \(cursor.offset)\n"
        let temporary = directory + "/cursor.tmp"
        // Written aside and renamed over: a crash leaves the old cursor or the new one, never half of one.
        if FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) { _ = rename(temporary, directory + "/cursor") }
    }

    /// Deletes segments whose every record was sent (the newest too, so an idle spool is empty).
    private func skipFinishedSegments() {
        while let head = segments.first, head.seq == cursor.seq, cursor.offset >= head.size, head.size > 0 || segments.count > 1 {
            try? FileManager.default.removeItem(atPath: Self.path(directory, head.seq))
            segments.removeFirst()
            cursor = (segments.first?.seq ?? nextSeq, 0)
        }
    }

    /// Items of `segment` not yet sent, leaving out the record being sent.
    private func unsentItems(_ segment: Segment) -> Int {
        let start = segment.seq == cursor.seq ? cursor.offset : (segment.seq < cursor.seq ? Int.max : 0)
        return segment.entries.reduce(0) { total, entry in
            let sending = inFlight.map { $0.seq == segment.seq && $0.offset == entry.offset } ?? false
            return entry.offset >= start && !sending ? total + entry.items : total
        }
    }

    static func path(_ directory: String, _ seq: Int64) -> String {
        let digits = String(seq)
        return directory + "/" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits + ".seg"
    }

    static func appendUInt32(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> Int {
        Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
    }

    /// Indexes a segment's records; a torn last record (a crash mid-write) is cut off.
    static func recover(path: String, seq: Int64) throws -> Segment {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var entries: [Entry] = []
        var offset = 0
        while offset + headerBytes <= data.count {
            let length = headerBytes + readUInt32(data, at: offset)
            guard offset + length <= data.count, ForwardSignal(rawValue: data[offset + 4]) != nil else { break }
            entries.append(Entry(offset: offset, length: length, items: readUInt32(data, at: offset + 5)))
            offset += length
        }
        if offset < data.count, let handle = FileHandle(forWritingAtPath: path) {
            try? handle.truncate(atOffset: UInt64(offset))
            try? handle.close()
        }
        return Segment(seq: seq, size: offset, entries: entries)
    }
}

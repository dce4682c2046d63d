import Foundation
import PerfwatchForwarding
import PerfwatchTesting
import Testing

@Suite("Forwarding spool")
struct ForwardSpoolTests {
    static func request(_ number: Int, bytes: Int = 1000, items: Int = 10) -> EncodedRequest {
        var body = Array(repeating: UInt8(number & 0xFF), count: bytes)
        body[0] = UInt8(number >> 8 & 0xFF)
        return EncodedRequest(signal: number.isMultiple(of: 2) ? .metrics : .traces, items: items, body: body)
    }

    @Test func sendsInOrderAndEmptiesWhenDone() async throws {
        try await withTemporaryDirectory { directory in
            let spool = try ForwardSpool(directory: directory, maxBytes: 1 << 20)
            for number in 0..<5 { try await spool.append(Self.request(number)) }
            #expect(await spool.pendingBytes == 5 * 1009)
            for number in 0..<5 {
                let record = try #require(await spool.next())
                #expect(record.body == Self.request(number).body && record.signal == Self.request(number).signal && record.items == 10)
                // Not acknowledged: the same record again.
                #expect(await spool.next() == record)
                await spool.acknowledge(record)
            }
            #expect(await spool.next() == nil)
            #expect(await spool.pendingBytes == 0)
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".seg") }
            #expect(files.isEmpty)
        }
    }

    @Test func boundedOldestDroppedAndCountedExactly() async throws {
        try await withTemporaryDirectory { directory in
            // 64 KiB: segments of 8 KiB hold 8 records of 1009 bytes.
            let spool = try ForwardSpool(directory: directory, maxBytes: 64 << 10)
            for number in 0..<200 { try await spool.append(Self.request(number)) }
            let dropped = await spool.droppedItems
            #expect(await spool.pendingBytes <= 64 << 10)
            #expect(dropped > 0 && dropped % 10 == 0)
            // What is left is the newest records, in order, and with the dropped ones accounts for all 200.
            var received: [Int] = []
            while let record = await spool.next() {
                received.append(Int(record.body[0]) << 8 | Int(record.body[1]))
                await spool.acknowledge(record)
            }
            #expect(received.count * 10 + dropped == 2000)
            #expect(received == Array((200 - received.count)..<200))
        }
    }

    @Test func recordInFlightIsNotCountedTwice() async throws {
        try await withTemporaryDirectory { directory in
            let spool = try ForwardSpool(directory: directory, maxBytes: 16 << 10)
            try await spool.append(Self.request(0))
            let sending = try #require(await spool.next())
            // Fill past the bound while record 0 is being sent: its segment goes.
            for number in 1..<40 { try await spool.append(Self.request(number)) }
            let droppedWhileSending = await spool.droppedItems
            // The send fails: asking again counts record 0 as dropped too.
            let next = try #require(await spool.next())
            #expect(next != sending)
            #expect(await spool.droppedItems == droppedWhileSending + 10)
            await spool.acknowledge(next)
            var left = 1
            while let record = await spool.next() {
                await spool.acknowledge(record)
                left += 1
            }
            #expect(left * 10 + (await spool.droppedItems) == 400)
        }
    }

    @Test func survivesRestart() async throws {
        try await withTemporaryDirectory { directory in
            do {
                let spool = try ForwardSpool(directory: directory, maxBytes: 1 << 20)
                for number in 0..<6 { try await spool.append(Self.request(number)) }
                for _ in 0..<2 {
                    let record = try #require(await spool.next())
                    await spool.acknowledge(record)
                }
            }
            // A crash mid-write leaves half a record at the end.
            let last = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".seg") }.sorted().last)
            let handle = try #require(FileHandle(forWritingAtPath: directory + "/" + last))
            try handle.seekToEnd()
            try handle.write(contentsOf: [0, 0, 4, 0, 1, 0, 0])
            try handle.close()
            let reopened = try ForwardSpool(directory: directory, maxBytes: 1 << 20)
            var received: [Int] = []
            while let record = await reopened.next() {
                received.append(Int(record.body[1]))
                await reopened.acknowledge(record)
            }
            #expect(received == [2, 3, 4, 5])
            // Appending after the cut-off tail works.
            try await reopened.append(Self.request(9))
            #expect(await reopened.next()?.body == Self.request(9).body)
        }
    }

    @Test func recordLargerThanTheSpoolIsDropped() async throws {
        try await withTemporaryDirectory { directory in
            let spool = try ForwardSpool(directory: directory, maxBytes: 4096)
            try await spool.append(Self.request(1, bytes: 5000, items: 7))
            #expect(await spool.droppedItems == 7)
            #expect(await spool.next() == nil)
        }
    }
}

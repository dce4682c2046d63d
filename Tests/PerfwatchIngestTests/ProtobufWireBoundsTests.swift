@testable import PerfwatchIngest
import PerfwatchModel
import Testing

/// The hand-written protobuf reader on hostile input: every bound answers a bad request naming
/// it, never a stack overflow or a trap (issue 13: 300,000 start-group bytes killed the server).
@Suite("Protobuf wire reader bounds")
struct ProtobufWireBoundsTests {
    func message(_ body: [UInt8]) -> String? {
        do {
            _ = try OTLPProtobufTraceDecoder().decode(body)
            return nil
        } catch let error as PerfwatchError {
            #expect(error.code == .badRequest)
            return error.message
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test("300,000 start-group bytes are a bad request, also on a Swift concurrency thread")
    func startGroups() async throws {
        let body = [UInt8](repeating: 0x5B, count: 300_000)
        #expect(message(body)?.contains("groups nested deeper than 32") == true)
        let onTask = await Task.detached { self.message(body) }.value
        #expect(onTask?.contains("groups nested deeper than 32") == true)
    }

    @Test("groups nested up to the limit are skipped as unknown fields")
    func groupsWithinLimit() throws {
        // Field 11 groups: start tag 0x5B, end tag 0x5C.
        let depth = ProtobufWireReader.maxGroupDepth
        let body = [UInt8](repeating: 0x5B, count: depth) + [UInt8](repeating: 0x5C, count: depth)
        #expect(try OTLPProtobufTraceDecoder().decode(body).spans.isEmpty)
        #expect(message([0x5B] + body + [0x5C])?.contains("groups nested deeper") == true)
    }

    @Test("a varint longer than ten bytes, or whose tenth byte overflows 64 bits, is malformed")
    func longVarints() {
        // Field 1 (varint wire type) followed by eleven continuation bytes.
        #expect(message([0x08] + [UInt8](repeating: 0xFF, count: 11))?.contains("varint longer than 64 bits") == true)
        #expect(message([0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x02])?.contains("varint longer than 64 bits") == true)
        // Nine continuation bytes then 0x01: the largest valid 64-bit varint, skipped as unknown.
        #expect(message([0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x01]) == nil)
    }

    @Test("a length beyond the remaining bytes, or beyond Int64, is malformed")
    func lengthsPastTheEnd() {
        #expect(message([0x0A, 0x05, 0x01])?.contains("runs past the end") == true)
        // Length 2^64 - 1.
        #expect(message([0x0A] + [UInt8](repeating: 0xFF, count: 9) + [0x01])?.contains("runs past the end") == true)
        #expect(message([0x0A])?.contains("truncated varint") == true)
    }
}

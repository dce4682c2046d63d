import PerfwatchGzip
import PerfwatchModel
import Testing

@Suite("Gzip inflater")
struct GzipInflaterTests {
    @Test("round-trips a compressed body")
    func roundTrip() throws {
        let original = Array(String(repeating: "hello perfwatch ", count: 5000).utf8)
        #expect(try GzipInflater.inflate(GzipDeflater.gzip(original), limit: 1 << 20) == original)
    }

    @Test("a gzip bomb stops at the limit with payload_too_large")
    func bomb() {
        let bomb = GzipDeflater.gzip([UInt8](repeating: 0, count: 20 << 20))
        #expect(bomb.count < 100_000)
        do {
            _ = try GzipInflater.inflate(bomb, limit: 1 << 20)
            Issue.record("expected an error")
        } catch let error as PerfwatchError {
            #expect(error.code == .payloadTooLarge)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("garbage and truncated input are bad requests")
    func garbage() {
        #expect(throws: PerfwatchError.self) { try GzipInflater.inflate(Array("not gzip at all".utf8), limit: 1000) }
        let valid = GzipDeflater.gzip(Array("some text that is long enough".utf8))
        #expect(throws: PerfwatchError.self) { try GzipInflater.inflate(Array(valid.prefix(valid.count / 2)), limit: 1000) }
    }
}

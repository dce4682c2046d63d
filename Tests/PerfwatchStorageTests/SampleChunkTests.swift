import PerfwatchModel
import PerfwatchStorage
import PerfwatchTesting
import Testing

@Suite("Sample chunk codec")
struct SampleChunkTests {
    func roundTrip(_ samples: [Sample]) throws -> SampleChunkEncoder {
        let encoder = SampleChunkEncoder.best(for: samples)
        let decoded = try SampleChunkDecoder.decode(encoder.bytes)
        #expect(decoded.count == samples.count)
        for (original, copy) in zip(samples, decoded) {
            #expect(original.timeMs == copy.timeMs)
            #expect(original.value.bitPattern == copy.value.bitPattern || original.value == copy.value, "\(original.value) vs \(copy.value)")
        }
        return encoder
    }

    func regular(_ values: [Double], start: Int64 = 1_700_000_000_000, step: Int64 = 10_000) -> [Sample] {
        values.enumerated().map { Sample(timeMs: start + Int64($0) * step, value: $1) }
    }

    @Test("an irregular counter takes the integer path at about a byte per sample")
    func counter() throws {
        var random = SeededGenerator(seed: 1)
        var value = 1000.0
        let samples = regular((0..<480).map { _ in
            value += Double(Int.random(in: 0...12, using: &random))
            return value
        })
        let encoder = try roundTrip(samples)
        #expect(encoder.encoding == .scaledInteger)
        #expect(Double(encoder.bytes.count) / 480 < 1.05, "\(encoder.bytes.count) bytes for 480 samples")
    }

    @Test("a random walk is coded as deltas, a steady counter as deltas of deltas")
    func modes() throws {
        var random = SeededGenerator(seed: 9)
        var level = 500
        let walk = try roundTrip(regular((0..<480).map { _ in
            level += Int.random(in: -40...40, using: &random)
            return Double(level)
        }))
        #expect(walk.integerMode == .delta)
        #expect(try roundTrip(regular((0..<480).map { Double($0 * 25 + $0 % 2) })).integerMode == .deltaOfDelta)
    }

    @Test("a steady counter is coded as deltas of deltas, almost one bit per value")
    func steadyCounter() throws {
        let encoder = try roundTrip(regular((0..<480).map { Double($0 * 25) }))
        #expect(encoder.integerMode == .deltaOfDelta)
        #expect(encoder.bytes.count < 150)
    }

    @Test("byte gauges in 4 KiB pages are shifted by their common zero bits")
    func pages() throws {
        var random = SeededGenerator(seed: 5)
        var pages = 100_000
        let samples = regular((0..<480).map { _ in
            pages += Int.random(in: -256...256, using: &random)
            return Double(pages * 4096)
        })
        let encoder = try roundTrip(samples)
        #expect(encoder.shift >= 12)
        #expect(Double(encoder.bytes.count) / 480 < 1.6, "\(encoder.bytes.count) bytes")
    }

    @Test("one-decimal gauges take the integer path with exponent 1")
    func decimals() throws {
        let encoder = try roundTrip(regular((0..<100).map { Double(201 + $0 % 7) / 10 }, step: 15_000))
        #expect(encoder.encoding == .scaledInteger)
        #expect(encoder.scaleExponent == 1)
    }

    @Test("arbitrary floats round-trip bit-exactly through XOR coding")
    func floats() throws {
        var random = SeededGenerator(seed: 2)
        let samples = (0..<300).map { index in
            Sample(timeMs: 1_700_000_000_000 + Int64(index) * 1000 + Int64.random(in: -40...40, using: &random), value: random.normal() * 1e6)
        }.sorted { $0.timeMs < $1.timeMs }
        #expect(try roundTrip(samples).encoding == .xor)
    }

    /// Prometheus' stale marker and other NaN payloads must come back with their exact bits.
    static let nonFinite: [Double] = [
        Double(bitPattern: 0x7ff0_0000_0000_0002),  // the stale marker
        .nan, .infinity, -.infinity, Double(bitPattern: 0x7ff0_0000_0000_0001), Double(bitPattern: 0xfff8_0000_0000_0000),
        Double(bitPattern: 0x7ff8_dead_beef_0001),
    ]

    @Test("NaN payloads (the stale marker), ±Inf and decimals beside them round-trip bit-exactly")
    func nonFiniteBits() throws {
        var values: [Double] = []
        for (index, special) in Self.nonFinite.enumerated() {
            values += [Double(index) + 0.5, special, special, 3, Double(index)]
        }
        let samples = regular(values)
        func assertBitExact(_ decoded: [Sample], _ context: String) {
            #expect(decoded.map(\.timeMs) == samples.map(\.timeMs), "\(context)")
            #expect(decoded.map(\.value.bitPattern) == samples.map(\.value.bitPattern), "\(context)")
        }
        let best = SampleChunkEncoder.best(for: samples)
        #expect(best.encoding == .xor)  // no decimal scaling can hold NaN or Inf
        assertBitExact(try SampleChunkDecoder.decode(best.bytes), "best")
        // The store's open chunk: decimals first (integer path), then a NaN forces a re-choice.
        let decimals = SampleChunkEncoder.best(for: Array(samples.prefix(1)))
        #expect(decimals.encoding == .scaledInteger)
        #expect(!decimals.canAppend(samples[1]))
        assertBitExact(try SampleChunkDecoder.decode(decimals.reencoded(samples).bytes), "re-encoded")
        // Appending one by one to an XOR encoder.
        var incremental = SampleChunkEncoder.xor()
        for sample in samples { incremental.append(sample) }
        assertBitExact(try SampleChunkDecoder.decode(incremental.bytes), "incremental")
        // A chunk of nothing but one special value.
        for special in Self.nonFinite {
            let only = regular([special, special, special])
            #expect(try SampleChunkDecoder.decode(SampleChunkEncoder.best(for: only).bytes).map(\.value.bitPattern) == only.map(\.value.bitPattern))
        }
    }

    @Test("edge values: extremes, negatives, zero, repeated times, huge gaps")
    func edges() throws {
        let gaps: [Int64] = [0, 1, 10_000, 9_000_000_000, 64, 65, 8193, 8_388_609]
        func series(_ values: [Double]) -> [Sample] {
            var time: Int64 = -5_000
            return values.enumerated().map { index, value in
                defer { time += gaps[index % gaps.count] }
                return Sample(timeMs: time, value: value)
            }
        }
        #expect(try roundTrip(series([0, -0.0, 1, -1, 8.9e14, -8.9e14, 0, 3, 12.5])).encoding == .scaledInteger)
        #expect(try roundTrip(series([8.9e15, 12.5])).encoding == .xor)
        #expect(try roundTrip(series([0, 0, 0])).shift == 0)
        #expect(try roundTrip(series([.pi, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, 1e-300, 0, -0.0, 123456789.123])).encoding == .xor)
        _ = try roundTrip([Sample(timeMs: .max - 10, value: 1)])
        _ = try roundTrip([Sample(timeMs: 0, value: 1), Sample(timeMs: .max / 2, value: 2)])
    }

    @Test("appending refuses what the chosen parameters cannot hold, and older times")
    func refusals() {
        var encoder = SampleChunkEncoder.best(for: [Sample(timeMs: 100, value: 4096)])
        #expect(!encoder.canAppend(Sample(timeMs: 200, value: 0.123456789)))
        #expect(!encoder.canAppend(Sample(timeMs: 200, value: 4097)))  // breaks the 4096 shift
        #expect(!encoder.canAppend(Sample(timeMs: 50, value: 8192)))
        #expect(encoder.canAppend(Sample(timeMs: 100, value: 8192)))
        encoder.append(Sample(timeMs: 100, value: 8192))
        #expect(encoder.count == 2)
    }

    @Test("corrupt bytes throw instead of crashing")
    func corrupt() {
        let bytes = SampleChunkEncoder.best(for: regular((0..<50).map { Double($0) * 1.5 })).bytes
        for length in [0, 2, 5, 7, bytes.count / 2] {
            #expect(throws: SampleChunkDecoder.CorruptChunk.self) { try SampleChunkDecoder.decode(Array(bytes.prefix(length))) }
        }
        var foreign = bytes
        foreign[1] = 9
        #expect(throws: SampleChunkDecoder.CorruptChunk.self) { try SampleChunkDecoder.decode(foreign) }
    }
}

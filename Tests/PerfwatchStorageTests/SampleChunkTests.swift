import PerfwatchModel
import PerfwatchStorage
import PerfwatchTesting
import Testing

@Suite("Sample chunk codec")
struct SampleChunkTests {
    func encode(_ samples: [Sample]) -> SampleChunkEncoder {
        var encoder = SampleChunkEncoder(firstValue: samples[0].value)
        for sample in samples {
            #expect(encoder.canAppend(sample))
            encoder.append(sample)
        }
        return encoder
    }

    func roundTrip(_ samples: [Sample]) throws {
        let decoded = try SampleChunkDecoder.decode(encode(samples).bytes)
        #expect(decoded.count == samples.count)
        for (original, copy) in zip(samples, decoded) {
            #expect(original.timeMs == copy.timeMs)
            #expect(original.value.bitPattern == copy.value.bitPattern || original.value == copy.value)
        }
    }

    @Test("regular counter round-trips and costs about a byte per sample")
    func counter() throws {
        var random = SeededGenerator(seed: 1)
        var value = 1000.0
        let samples = (0..<480).map { index -> Sample in
            value += Double(Int.random(in: 0...10, using: &random))
            return Sample(timeMs: 1_700_000_000_000 + Int64(index) * 10_000, value: value)
        }
        try roundTrip(samples)
        let size = encode(samples).bytes.count
        #expect(Double(size) / 480 < 1.5, "\(size) bytes for 480 samples")
        #expect(encode(samples).encoding == .scaledInteger)
    }

    @Test("one-decimal gauges take the integer path")
    func decimals() throws {
        let samples = (0..<100).map { Sample(timeMs: Int64($0) * 15_000, value: Double(201 + $0 % 7) / 10) }
        try roundTrip(samples)
        #expect(encode(samples).encoding == .scaledInteger)
        #expect(encode(samples).scaleExponent == 1)
    }

    @Test("arbitrary floats round-trip bit-exactly through XOR coding")
    func floats() throws {
        var random = SeededGenerator(seed: 2)
        let samples = (0..<300).map { index in
            Sample(timeMs: 1_700_000_000_000 + Int64(index) * 1000 + Int64.random(in: -40...40, using: &random), value: random.normal() * 1e6)
        }.sorted { $0.timeMs < $1.timeMs }
        try roundTrip(samples)
        #expect(encode(samples).encoding == .xor)
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
        // Integer path: zero, signs, the largest exactly scaled magnitudes.
        try roundTrip(series([0, -0.0, 1, -1, 8.9e15, -8.9e15, 0, 3]))
        // XOR path (the first value is not a short decimal): extremes and subnormals.
        try roundTrip(series([.pi, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, 1e-300, 0, -0.0, 123456789.123]))
        try roundTrip([Sample(timeMs: .max - 10, value: 1)])
        try roundTrip([Sample(timeMs: 0, value: 1), Sample(timeMs: .max / 2, value: 2)])
    }

    @Test("integer chunk refuses a value it cannot represent, and out-of-order times")
    func refusals() {
        var encoder = SampleChunkEncoder(firstValue: 5)
        encoder.append(Sample(timeMs: 100, value: 5))
        #expect(!encoder.canAppend(Sample(timeMs: 200, value: 0.123456789)))
        #expect(!encoder.canAppend(Sample(timeMs: 50, value: 6)))
        #expect(encoder.canAppend(Sample(timeMs: 100, value: 6)))
    }

    @Test("corrupt bytes throw instead of crashing")
    func corrupt() {
        let bytes = encode((0..<50).map { Sample(timeMs: Int64($0), value: Double($0) * 2) }).bytes
        for length in [0, 2, 4, bytes.count / 2] {
            #expect(throws: SampleChunkDecoder.CorruptChunk.self) { try SampleChunkDecoder.decode(Array(bytes.prefix(length))) }
        }
    }
}

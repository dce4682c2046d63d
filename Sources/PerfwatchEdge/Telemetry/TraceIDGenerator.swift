/// Trace and span ids for the pass-through path: SplitMix64 seeded once per downstream connection
/// from the system generator. The system generator costs a `getrandom` call per 8 bytes (three per
/// request: 3% of the edge's CPU in a `perf` profile of pass-through); W3C trace context asks
/// for ids that are unique and random-looking, not for cryptographic randomness.
struct TraceIDGenerator: RandomNumberGenerator {
    private var state: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

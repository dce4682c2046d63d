#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import PerfwatchStatistics

/// Deterministic random numbers (SplitMix64) so property tests fail reproducibly.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var source: SplitMix64

    public init(seed: UInt64) { source = SplitMix64(seed: seed) }

    public mutating func next() -> UInt64 { source.next() }

    public mutating func uniform() -> Double { Double.random(in: 0..<1, using: &self) }

    /// Standard normal by Box–Muller.
    public mutating func normal() -> Double {
        let u1 = Swift.max(uniform(), 1e-300)
        let u2 = uniform()
        return sqrt(-2 * log(u1)) * cos(2 * Double.pi * u2)
    }
}

/// The shapes the accuracy properties are checked on.
public enum TestDistribution: String, CaseIterable, Sendable {
    case uniform, logNormal, bimodal, heavyTailed, withZeros, constant

    public func values(count: Int, seed: UInt64) -> [Double] {
        var random = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            switch self {
            case .uniform: return 1 + random.uniform() * 999
            case .logNormal: return exp(4 + 0.8 * random.normal())
            case .bimodal: return random.uniform() < 0.7 ? 20 + 5 * abs(random.normal()) : 800 + 100 * abs(random.normal())
            case .heavyTailed: return 10 / pow(1 - random.uniform(), 1 / 1.2)  // Pareto, alpha 1.2
            case .withZeros: return random.uniform() < 0.3 ? 0 : random.uniform() * 100
            case .constant: return 42.5
            }
        }
    }
}

/// The exact lower-nearest-rank quantile the sketch promises to approximate.
public func exactQuantile(_ sorted: [Double], _ q: Double) -> Double {
    sorted[Int((q * Double(sorted.count - 1)).rounded(.down))]
}

/// |estimate − exact| / |exact| (0 when both are 0).
public func relativeError(_ estimate: Double, _ exact: Double) -> Double {
    if exact == 0 { return estimate == 0 ? 0 : .infinity }
    return abs(estimate - exact) / abs(exact)
}

import Foundation

/// Google's Core Web Vitals thresholds and our 0–100 performance score.
///
/// Score: each vital's p75 is scored on a log-normal curve, as Lighthouse scores lab metrics
/// (https://developer.chrome.com/docs/lighthouse/performance/performance-scoring), with our
/// control points taken from the field thresholds (https://web.dev/articles/vitals): a value
/// exactly at the "good" threshold scores 90 (the curve's 10th percentile), a value at the
/// "poor" threshold scores 50 (its median). So "good" ⇔ ≥ 90, as in Lighthouse's colours, and
/// the curve keeps rewarding improvement inside each band instead of stepping.
/// Weights: LCP 30 %, INP 30 %, CLS 25 %, FCP 10 %, TTFB 5 % — the three Core Web Vitals carry
/// 85 % (Google ranks with them), FCP and TTFB are diagnostics of LCP. A vital without data is
/// left out and the other weights are scaled up.
public enum WebVitals {
    public static let names = ["lcp", "inp", "cls", "fcp", "ttfb"]
    /// Good up to the first value, poor above the second.
    public static let thresholds: [String: (good: Double, poor: Double)] = [
        "lcp": (2500, 4000), "inp": (200, 500), "cls": (0.1, 0.25), "fcp": (1800, 3000), "ttfb": (800, 1800),
    ]
    /// `thresholds` in `names` order, for per-point code that should not hash a name.
    public static let limits: [(good: Double, poor: Double)] = names.map { thresholds[$0]! }
    public static let ratings = ["good", "needs-improvement", "poor"]
    public static let weights: [String: Double] = ["lcp": 0.30, "inp": 0.30, "cls": 0.25, "fcp": 0.10, "ttfb": 0.05]

    public static func rating(_ vital: String, _ value: Double) -> String {
        guard let index = names.firstIndex(of: vital) else { return "unknown" }
        return ratings[ratingIndex(index, value)]
    }

    /// Position in `ratings` of `value` for the vital at position `vital` in `names`.
    public static func ratingIndex(_ vital: Int, _ value: Double) -> Int {
        let (good, poor) = limits[vital]
        return value <= good ? 0 : value <= poor ? 1 : 2
    }

    /// 0…1 for one vital's value: 0.9 at the good threshold, 0.5 at the poor one.
    public static func score(_ vital: String, _ value: Double) -> Double? {
        guard let limits = thresholds[vital] else { return nil }
        guard value > 0 else { return 1 }
        // Log-normal complementary CDF with median = poor and 10th percentile = good.
        let sigma = (log(limits.poor) - log(limits.good)) / 1.2815515655446004
        let z = (log(value) - log(limits.poor)) / sigma
        return 0.5 * erfc(z / 2.0.squareRoot())
    }

    /// Weighted 0–100 score of the vitals present; nil when none is.
    public static func performanceScore(_ p75: [String: Double]) -> Int? {
        var total = 0.0
        var weightSum = 0.0
        for (vital, value) in p75 {
            guard let weight = weights[vital], let score = score(vital, value) else { continue }
            total += weight * score
            weightSum += weight
        }
        guard weightSum > 0 else { return nil }
        return Int((total / weightSum * 100).rounded())
    }
}

import Foundation

/// Lighthouse 10's performance score: five metrics, each on a log-normal curve whose 10th percentile
/// (score 0.9) and median (score 0.5) are given per device, weighted FCP 10, SI 10, LCP 25, TBT 30, CLS 25.
/// Unlike `WebVitals` (field p75s), these are Lighthouse's own lab control points, so a lab score reads
/// like Lighthouse's. A metric missing from a run scores 0 (Lighthouse fails the category instead;
/// 0 keeps the run comparable and the warning says why).
public enum AuditScoring {
    public struct Curve: Sendable {
        public let p10: Double
        public let median: Double
        public let weight: Double
    }

    /// Keyed by the metric names of budgets and assertions.
    public static func curves(_ device: AuditDevice) -> [(metric: String, curve: Curve)] {
        switch device {
        case .mobile:
            return [
                ("first-contentful-paint", Curve(p10: 1800, median: 3000, weight: 10)),
                ("speed-index", Curve(p10: 3387, median: 5800, weight: 10)),
                ("largest-contentful-paint", Curve(p10: 2500, median: 4000, weight: 25)),
                ("total-blocking-time", Curve(p10: 200, median: 600, weight: 30)),
                ("cumulative-layout-shift", Curve(p10: 0.1, median: 0.25, weight: 25)),
            ]
        case .desktop:
            return [
                ("first-contentful-paint", Curve(p10: 934, median: 1600, weight: 10)),
                ("speed-index", Curve(p10: 1311, median: 2300, weight: 10)),
                ("largest-contentful-paint", Curve(p10: 1200, median: 2400, weight: 25)),
                ("total-blocking-time", Curve(p10: 150, median: 350, weight: 30)),
                ("cumulative-layout-shift", Curve(p10: 0.1, median: 0.25, weight: 25)),
            ]
        }
    }

    /// 0…1: Lighthouse's `getLogNormalScore` — complementary log-normal CDF through (p10, 0.9) and (median, 0.5),
    /// kept inside the band the value falls in, then rounded to 2 decimals as Lighthouse's audit scores are.
    public static func score(_ value: Double, _ curve: Curve) -> Double {
        guard value > 0 else { return 1 }
        let inverseErfcOneFifth = 0.9061938024368232
        let xLogRatio = log(max(Double.leastNonzeroMagnitude, value / curve.median))
        let p10LogRatio = -log(max(Double.leastNonzeroMagnitude, curve.p10 / curve.median))
        let standardized = xLogRatio * inverseErfcOneFifth / p10LogRatio
        let complementaryPercentile = (1 - erf(standardized)) / 2
        let banded: Double
        if value <= curve.p10 {
            banded = max(0.9, min(1, complementaryPercentile))
        } else if value <= curve.median {
            banded = max(0.5, min(0.8999999999999999, complementaryPercentile))
        } else {
            banded = max(0, min(0.49999999999999994, complementaryPercentile))
        }
        return (banded * 100).rounded() / 100
    }

    /// The metric's value by the names of `curves`.
    public static func value(_ metric: String, _ metrics: AuditMetrics) -> Double? {
        switch metric {
        case "first-contentful-paint": return metrics.fcpMs
        case "speed-index": return metrics.speedIndexMs
        case "largest-contentful-paint": return metrics.lcpMs
        case "total-blocking-time": return metrics.tbtMs
        case "cumulative-layout-shift": return metrics.cls
        case "server-response-time", "time-to-first-byte": return metrics.ttfbMs
        default: return nil
        }
    }

    /// Every numeric metric name `value` knows, for budgets and assertions to name in errors.
    public static let metricNames = [
        "first-contentful-paint", "speed-index", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift",
        "server-response-time",
    ]

    /// 0–100, rounded as Lighthouse shows it.
    public static func performanceScore(_ metrics: AuditMetrics, device: AuditDevice) -> Int {
        var total = 0.0
        var weights = 0.0
        for (metric, curve) in curves(device) {
            weights += curve.weight
            if let value = value(metric, metrics) { total += curve.weight * score(value, curve) }
        }
        return Int((total / weights * 100).rounded())
    }
}

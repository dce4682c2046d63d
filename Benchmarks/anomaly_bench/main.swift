// Anomaly detector precision and recall on a labelled synthetic set.
//
// Each series is 10-minute buckets with a daily cycle (busy afternoons), quieter weekends and
// multiplicative log-normal noise with occasional single-bucket outliers (noise, not
// anomalies). Into the evaluated part we inject, at seeded random positions that do not
// overlap, spikes (2–6 buckets, ×1.8–3) and level shifts (12–48 buckets, ×1.5–2) — the labels.
// The detector (`RobustAnomalyDetector`, the analyzer's defaults) runs over each series as the
// anomaly analyzer would. An injected event counts as found when a reported run overlaps it
// (recall); a reported run is correct when it overlaps an injected event (precision).
//
//   swift run -c release anomaly-bench            full: 60 series × 28 days
//   swift run -c release anomaly-bench --smoke    6 series × 21 days (seconds)
import Foundation
import PerfwatchStatistics

extension SplitMix64 {
    mutating func range(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }
    mutating func int(_ low: Int, _ high: Int) -> Int { low + Int(next() % UInt64(high - low + 1)) }
    mutating func normal() -> Double {
        let u1 = max(unit(), 1e-12)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * unit())
    }
}

struct Event {
    enum Kind: String { case spike, shift }
    var kind: Kind
    var first: Int
    var last: Int
}

let smoke = CommandLine.arguments.contains("--smoke")
let seriesCount = smoke ? 6 : 60
let days = smoke ? 21 : 28
let stepMs: Int64 = 600_000
let perDay = 144
let evaluateFrom = 2 * perDay  // the first two days only build history

func makeSeries(seed: UInt64) -> (values: [Double?], events: [Event]) {
    var random = SplitMix64(seed: seed)
    let level = random.range(20, 800)
    let amplitude = random.range(0.3, 0.6)
    let noise = random.range(0.05, 0.12)
    let count = days * perDay
    var values: [Double?] = (0..<count).map { index in
        let hourOfDay = Double(index % perDay) / Double(perDay) * 24
        let daily = 1 + amplitude * sin((hourOfDay - 9) / 24 * 2 * .pi)
        let weekday = (index / perDay) % 7
        let weekly = weekday >= 5 ? 0.75 : 1.0
        var value = level * daily * weekly * exp(noise * random.normal())
        if random.unit() < 0.01 { value *= random.range(1.3, 1.8) }  // a lone outlier: noise
        return value
    }
    var events: [Event] = []
    var cursor = evaluateFrom + random.int(20, 200)
    while cursor < count - 60 {
        let isSpike = random.unit() < 0.7
        let length = isSpike ? random.int(2, 6) : random.int(12, 48)
        let factor = isSpike ? random.range(1.8, 3) : random.range(1.5, 2)
        let last = min(cursor + length - 1, count - 1)
        for index in cursor...last { values[index] = values[index]! * factor }
        events.append(Event(kind: isSpike ? .spike : .shift, first: cursor, last: last))
        cursor = last + random.int(150, 600)
    }
    return (values, events)
}

let detector = RobustAnomalyDetector()
var found: [Event.Kind: Int] = [:]
var injected: [Event.Kind: Int] = [:]
var reported = 0
var correct = 0
var byBaseline: [String: (reported: Int, correct: Int)] = [:]
var delays: [Int] = []
let clock = ContinuousClock()
let started = clock.now
for seed in 1...seriesCount {
    let (values, events) = makeSeries(seed: UInt64(seed) * 7919)
    // Start the series on a Monday (2024-01-01) so weekends fall where the generator put them.
    let anomalies = detector.detect(values, startMs: 1_704_067_200_000, stepMs: stepMs, evaluateFrom: evaluateFrom)
    for event in events {
        injected[event.kind, default: 0] += 1
        if let hit = anomalies.first(where: { $0.first <= event.last && $0.last >= event.first }) {
            found[event.kind, default: 0] += 1
            delays.append(max(0, hit.first - event.first))
        }
    }
    for anomaly in anomalies {
        reported += 1
        let ok = events.contains { anomaly.first <= $0.last && anomaly.last >= $0.first }
        if ok { correct += 1 }
        byBaseline[anomaly.baseline.rawValue, default: (0, 0)].reported += 1
        if ok { byBaseline[anomaly.baseline.rawValue, default: (0, 0)].correct += 1 }
    }
}
let elapsed = clock.now - started
let totalInjected = injected.values.reduce(0, +)
let totalFound = found.values.reduce(0, +)
func pct(_ a: Int, _ b: Int) -> String { b == 0 ? "n/a" : String(format: "%.1f%%", 100 * Double(a) / Double(b)) }

print("anomaly detector benchmark (\(smoke ? "smoke" : "full")): \(seriesCount) series × \(days) days of 10-min buckets, evaluated from day 3")
print("detector: threshold |z| ≥ \(detector.threshold), min \(detector.minBuckets) buckets, min change \(Int(detector.minRelativeChange * 100))%, rolling \(detector.rollingBuckets) buckets")
print("injected events: \(totalInjected) (spikes \(injected[.spike] ?? 0), level shifts \(injected[.shift] ?? 0)); reported runs: \(reported)")
print("recall:    \(pct(totalFound, totalInjected))  (spikes \(pct(found[.spike] ?? 0, injected[.spike] ?? 0)), level shifts \(pct(found[.shift] ?? 0, injected[.shift] ?? 0)))")
print("precision: \(pct(correct, reported))")
for (baseline, counts) in byBaseline.sorted(by: { $0.key < $1.key }) {
    print("  baseline \(baseline): \(counts.reported) reported, precision \(pct(counts.correct, counts.reported))")
}
if !delays.isEmpty {
    print("detection delay (buckets after onset): median \(delays.sorted()[delays.count / 2]), max \(delays.max()!)")
}
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print(String(format: "time: %.2f s for %d buckets", seconds, seriesCount * days * perDay))

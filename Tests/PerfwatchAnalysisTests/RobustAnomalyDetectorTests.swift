import Foundation
import PerfwatchStatistics
import Testing

@Suite("Robust anomaly detector")
struct RobustAnomalyDetectorTests {
    /// 10-minute buckets with a daily cycle (busy afternoons) and ±5% deterministic noise.
    func seasonal(days: Int) -> [Double?] {
        (0..<(days * 144)).map { bucket in
            let cycle = 100 + 60 * sin(Double(bucket % 144) / 144 * 2 * .pi)
            let noise = 1 + 0.05 * sin(Double(bucket) * 12.9898)
            return cycle * noise
        }
    }

    @Test("a 20-minute spike after three weeks is found with the hour-of-week baseline, expected vs actual")
    func seasonalSpike() {
        var values = seasonal(days: 21)
        let spike = 20 * 144 + 60
        values[spike] = values[spike]! * 3
        values[spike + 1] = values[spike + 1]! * 3
        let found = RobustAnomalyDetector().detect(values, startMs: 0, stepMs: 600_000, evaluateFrom: 20 * 144)
        #expect(found.count == 1)
        #expect(found.first?.first == spike && found.first?.last == spike + 1)
        #expect(found.first?.baseline == .hourOfWeek)
        #expect((found.first?.actual ?? 0) > 2.5 * (found.first?.expected ?? 1))
    }

    @Test("the daily peak itself is not an anomaly once the seasonal baseline applies")
    func seasonalPeakIsNormal() {
        let found = RobustAnomalyDetector().detect(seasonal(days: 21), startMs: 0, stepMs: 600_000, evaluateFrom: 4 * 144)
        #expect(found.isEmpty)
    }

    @Test("a single bad bucket is below the minimum duration; two in a row are not")
    func minimumDuration() {
        var values: [Double?] = Array(repeating: 100, count: 60)
        for index in values.indices { values[index] = 100 + Double(index % 5) }
        values[40] = 400
        #expect(RobustAnomalyDetector().detect(values, startMs: 0, stepMs: 60_000).isEmpty)
        values[41] = 420
        let found = RobustAnomalyDetector().detect(values, startMs: 0, stepMs: 60_000)
        #expect(found.map(\.first) == [40])
        #expect(found.first?.baseline == .rolling)
    }

    @Test("direction: a drop is ignored when watching for rises, found when watching both ways")
    func direction() {
        var values: [Double?] = (0..<60).map { 100 + Double($0 % 5) }
        values[50] = 20
        values[51] = 25
        var detector = RobustAnomalyDetector()
        #expect(detector.detect(values, startMs: 0, stepMs: 60_000).isEmpty)
        detector.direction = .both
        #expect(detector.detect(values, startMs: 0, stepMs: 60_000).first?.peakScore ?? 0 < 0)
    }

    @Test("counts: the Poisson floor keeps 30 after a steady 20 normal, while 60 is still a surge")
    func countNoiseFloor() {
        var values: [Double?] = Array(repeating: 20, count: 40)
        values[30] = 30
        values[31] = 30
        var detector = RobustAnomalyDetector()
        #expect(detector.detect(values, startMs: 0, stepMs: 3_600_000).count == 1)
        detector.countNoiseFloor = true
        #expect(detector.detect(values, startMs: 0, stepMs: 3_600_000).isEmpty)
        values[30] = 60
        values[31] = 60
        #expect(detector.detect(values, startMs: 0, stepMs: 3_600_000).map(\.first) == [30])
    }
}

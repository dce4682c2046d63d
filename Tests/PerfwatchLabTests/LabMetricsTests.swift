import PerfwatchLab
import PerfwatchModel
import Testing

@Suite struct LabMetricsTests {
    @Test func clsTakesTheLargestSessionWindow() {
        // Two shifts 500 ms apart share a window (0.15); one 1.2 s later starts a new one (0.1).
        let shifts = [LabMetrics.Shift(startTime: 100, value: 0.1), .init(startTime: 600, value: 0.05), .init(startTime: 1800, value: 0.1)]
        #expect(abs(LabMetrics.cumulativeLayoutShift(shifts) - 0.15) < 1e-9)
    }

    @Test func clsWindowsCloseAfterFiveSeconds() {
        // Shifts every 900 ms never leave a 1 s gap, but a window holds at most 5 s: 0…4500 (6 shifts), then 5400….
        let shifts = (0..<10).map { LabMetrics.Shift(startTime: Double($0) * 900, value: 0.01) }
        #expect(abs(LabMetrics.cumulativeLayoutShift(shifts) - 0.06) < 1e-9)
    }

    @Test func clsSkipsShiftsAfterInput() {
        let shifts = [LabMetrics.Shift(startTime: 100, value: 0.3, hadRecentInput: true), .init(startTime: 200, value: 0.02)]
        #expect(abs(LabMetrics.cumulativeLayoutShift(shifts) - 0.02) < 1e-9)
        #expect(LabMetrics.cumulativeLayoutShift([]) == 0)
    }

    @Test func tbtCountsThePartOverFiftyMillisecondsAfterFCP() {
        let tasks: [(start: Double, duration: Double)] = [
            (start: 100, duration: 400),  // before FCP at 1000: ignored
            (start: 900, duration: 300),  // clipped to 1000…1200: 200 − 50
            (start: 1500, duration: 400),  // 350
            (start: 2000, duration: 40),  // short: nothing
            (start: 5000, duration: 100),  // after the end: ignored
        ]
        #expect(LabMetrics.totalBlockingTime(tasks: tasks, fcp: 1000, end: 4000) == 150 + 350)
    }

    @Test func speedIndexIsTheAreaAboveVisualProgress() {
        let blank = [Int](repeating: 0, count: 768)
        var half = blank
        var full = blank
        full[10] = 100
        full[300] = 100
        half[10] = 100  // half of the difference to the last frame
        let frames = [(timeMs: 0.0, histogram: blank), (timeMs: 1000.0, histogram: half), (timeMs: 2000.0, histogram: full)]
        #expect(LabMetrics.visualProgress(half, initial: blank, target: full) == 50)
        #expect(LabMetrics.speedIndex(frames: frames, fcp: 800) == 1500)  // 1000 ms blank, then 1000 ms half done
        // Never below FCP, as Lighthouse reports it.
        #expect(LabMetrics.speedIndex(frames: frames, fcp: 1800) == 1800)
        #expect(LabMetrics.speedIndex(frames: [], fcp: 100) == nil)
    }

    @Test func medianRunIsTheMiddleScoreWithoutFailedRuns() {
        #expect(LabMetrics.medianIndex(scores: [90, 40, 70]) == 2)
        #expect(LabMetrics.medianIndex(scores: [90, nil, 40, 70, 10]) == 2)
        #expect(LabMetrics.medianIndex(scores: [nil, nil]) == nil)
    }
}

@Suite struct ThrottlingProfileTests {
    @Test func lighthouseProfilesAreTheIssues() {
        let mobile = ThrottlingProfile.lighthouse(.mobile)
        #expect(mobile.width == 412 && mobile.height == 823 && mobile.deviceScaleFactor == 1.75)
        #expect(mobile.latencyMs == 562.5 && mobile.downloadKbps == 1474.56 && mobile.uploadKbps == 675 && mobile.cpuSlowdown == 4)
        let desktop = ThrottlingProfile.lighthouse(.desktop)
        #expect(desktop.width == 1350 && desktop.latencyMs == 40 && desktop.downloadKbps == 10240 && desktop.cpuSlowdown == 1)
    }

    @Test func unthrottledKeepsTheViewportOnly() {
        let profile = ThrottlingProfile.unthrottled(.desktop)
        #expect(profile.width == 1350 && profile.height == 940)
        #expect(profile.latencyMs == 0 && profile.downloadKbps == -1 && profile.uploadKbps == -1 && profile.cpuSlowdown == 1)
    }
}

@Suite struct AuditScoringTests {
    @Test func controlPointsScoreNinetyAndFifty() {
        for device in AuditDevice.allCases {
            for (_, curve) in AuditScoring.curves(device) {
                #expect(AuditScoring.score(curve.p10, curve) == 0.9)
                #expect(AuditScoring.score(curve.median, curve) == 0.5)
                #expect(AuditScoring.score(curve.median * 3, curve) <= 0.1)
                #expect(AuditScoring.score(0, curve) == 1)
            }
        }
    }

    @Test func weightsAreLighthouseTens() {
        let weights = Dictionary(uniqueKeysWithValues: AuditScoring.curves(.mobile).map { ($0.metric, $0.curve.weight) })
        #expect(weights == ["first-contentful-paint": 10, "speed-index": 10, "largest-contentful-paint": 25, "total-blocking-time": 30, "cumulative-layout-shift": 25])
    }

    @Test func everyMetricAtItsP10ScoresNinety() {
        let mobile = AuditMetrics(fcpMs: 1800, lcpMs: 2500, speedIndexMs: 3387, tbtMs: 200, cls: 0.1, ttfbMs: 100)
        #expect(AuditScoring.performanceScore(mobile, device: .mobile) == 90)
        let desktop = AuditMetrics(fcpMs: 1600, lcpMs: 2400, speedIndexMs: 2300, tbtMs: 350, cls: 0.25, ttfbMs: 100)
        #expect(AuditScoring.performanceScore(desktop, device: .desktop) == 50)
        // The same figures are slower than desktop's medians: a lower score on desktop than on mobile.
        #expect(AuditScoring.performanceScore(mobile, device: .desktop) < 90)
        // A missing metric scores 0 for its weight (TBT: 30).
        let noTBT = AuditMetrics(fcpMs: 1800, lcpMs: 2500, speedIndexMs: 3387, tbtMs: nil, cls: 0.1)
        #expect(AuditScoring.performanceScore(noTBT, device: .mobile) == 63)
    }

    @Test func reportJSONRoundTrips() throws {
        let run = AuditRun(
            score: 80, metrics: AuditMetrics(fcpMs: 1, lcpMs: 2, speedIndexMs: 3, tbtMs: 4, cls: 0.05, ttfbMs: 6), opportunities: [],
            resourceSummary: ["total": .init(requests: 1, transferBytes: 10)], requests: [], filmstrip: [], lcpElement: nil, longTasks: [],
            warnings: [], finalURL: "http://x/", startedMs: 1, durationMs: 2)
        let report = AuditReport(
            url: "http://x/", finalURL: "http://x/", device: "mobile", runs: [run], medianRunIndex: 0, score: 80, metrics: run.metrics,
            opportunities: [Opportunity(id: "unused-javascript", title: "t", savingsBytes: 5, items: [OpportunityItem(url: "u", wastedBytes: 5, detail: "d")])],
            resourceSummary: run.resourceSummary, requests: [], filmstrip: [FilmstripFrame(timeMs: 1, jpegBase64: "AA==")],
            lcpElement: LCPElement(selector: "img#hero"), longTasks: [LongTask(script: "s", startMs: 1, durationMs: 60)], warnings: ["w"],
            startedMs: 1, durationMs: 2, chromiumVersion: "Chrome/1")
        let data = try report.jsonData()
        #expect(try AuditReport.decode(data) == report)
        #expect(String(decoding: data, as: UTF8.self).contains("\"fcpMs\":1"))
    }
}

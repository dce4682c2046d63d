/// The metrics computed from the page's entries, as web-vitals, Lighthouse and speedline compute them.
/// Pure functions over plain numbers, so each is tested on its own (Tests/PerfwatchLabTests).
public enum LabMetrics {
    public struct Shift: Sendable {
        public var startTime: Double
        public var value: Double
        public var hadRecentInput: Bool
        public init(startTime: Double, value: Double, hadRecentInput: Bool = false) {
            self.startTime = startTime
            self.value = value
            self.hadRecentInput = hadRecentInput
        }
    }

    /// CLS as web-vitals computes it: shifts without recent input grouped in session windows (a new window when
    /// the gap to the previous shift is ≥ 1 s or the window would exceed 5 s); the largest window's sum.
    public static func cumulativeLayoutShift(_ shifts: [Shift]) -> Double {
        var best = 0.0
        var current = 0.0
        var first = 0.0
        var last = 0.0
        var open = false
        for shift in shifts.sorted(by: { $0.startTime < $1.startTime }) where !shift.hadRecentInput {
            if open && shift.startTime - last < 1000 && shift.startTime - first < 5000 {
                current += shift.value
            } else {
                current = shift.value
                first = shift.startTime
                open = true
            }
            last = shift.startTime
            best = max(best, current)
        }
        return best
    }

    /// Lighthouse's TBT: each task clipped to [FCP, end], the part of it over 50 ms.
    public static func totalBlockingTime(tasks: [(start: Double, duration: Double)], fcp: Double, end: Double) -> Double {
        var total = 0.0
        for task in tasks {
            let taskEnd = task.start + task.duration
            guard taskEnd > fcp, task.start < end else { continue }
            let clippedStart = max(task.start, fcp)
            let clippedEnd = min(taskEnd, end)
            let clippedDuration = clippedEnd - clippedStart
            guard clippedDuration >= 50 else { continue }
            total += clippedDuration - 50
        }
        return total
    }

    /// Speedline's visual progress of one frame towards the last (0…100), by histogram distance from the first.
    public static func visualProgress(_ current: [Int], initial: [Int], target: [Int]) -> Double {
        var total = 0
        var match = 0
        for index in 0..<min(current.count, initial.count, target.count) {
            let currentDiff = abs(current[index] - initial[index])
            let targetDiff = abs(target[index] - initial[index])
            match += min(currentDiff, targetDiff)
            total += targetDiff
        }
        if total == 0 { return 100 }
        return (Double(match) / Double(total) * 100).rounded(.down)
    }

    /// Speed Index from frames (time since navigation start, histogram) in time order: the area above the
    /// visual-progress curve, from 0 to the last frame. Lighthouse never reports it below FCP.
    public static func speedIndex(frames: [(timeMs: Double, histogram: [Int])], fcp: Double?) -> Double? {
        guard let initial = frames.first?.histogram, let target = frames.last?.histogram else { return nil }
        var speedIndex = 0.0
        var previousTime = 0.0
        var previousProgress = 0.0
        for frame in frames {
            let time = max(0, frame.timeMs)
            let progress = visualProgress(frame.histogram, initial: initial, target: target) / 100
            speedIndex += (time - previousTime) * (1 - previousProgress)
            previousTime = time
            previousProgress = progress
        }
        return max(speedIndex, fcp ?? 0)
    }

    /// The index of the median run by score (the lower middle of an even count), failed runs left out.
    public static func medianIndex(scores: [Int?]) -> Int? {
        let ranked = scores.enumerated().compactMap { index, score in score.map { (index, $0) } }.sorted { $0.1 < $1.1 }
        guard !ranked.isEmpty else { return nil }
        return ranked[(ranked.count - 1) / 2].0
    }
}

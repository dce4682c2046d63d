/// When each open-model iteration is meant to start, as an offset from the run's start.
///
/// The cumulative number of arrivals N(t) is the integral of the rate, which is linear
/// within a phase (constant rate or ramp); arrival k is scheduled at the t where N(t) = k.
/// Being a pure function of k, it lets each event loop take every n-th arrival without
/// sharing state, and it is tested without any clock.
public struct ArrivalSchedule: Sendable {
    struct Segment: Sendable {
        var start: Double
        var duration: Double
        var startRate: Double
        var endRate: Double
        /// Arrivals (fractional) before this segment.
        var arrivalsBefore: Double
        var arrivals: Double { (startRate + endRate) / 2 * duration }
    }

    let segments: [Segment]
    /// Total length in seconds.
    public let duration: Double

    public init(phases: [Phase]) {
        var segments: [Segment] = []
        var start = 0.0
        var before = 0.0
        for phase in phases {
            let segment = Segment(
                start: start, duration: phase.duration.seconds, startRate: phase.arrivalRate,
                endRate: phase.rampTo ?? phase.arrivalRate, arrivalsBefore: before
            )
            segments.append(segment)
            start += segment.duration
            before += segment.arrivals
        }
        self.segments = segments
        self.duration = start
    }

    /// Offset in seconds of arrival `k` (0-based), or `nil` when the schedule ends before it.
    public func offset(ofArrival k: Int) -> Double? {
        let target = Double(k)
        for segment in segments where segment.duration > 0 && target < segment.arrivalsBefore + segment.arrivals {
            let j = target - segment.arrivalsBefore
            let a = (segment.endRate - segment.startRate) / (2 * segment.duration)
            let b = segment.startRate
            // Solves a·t² + b·t = j in the form that stays exact when a = 0 or b = 0.
            let root = (b * b + 4 * a * j).squareRoot()
            let t = j == 0 ? 0 : 2 * j / (b + root)
            return segment.start + min(t, segment.duration)
        }
        return nil
    }

    /// Arrivals the schedule holds in total (what a perfect generator would start).
    public var expectedArrivals: Int {
        guard let last = segments.last else { return 0 }
        return Int((last.arrivalsBefore + last.arrivals).rounded(.up))
    }
}

import PerfwatchAnalysis

/// `GET /api/v1/trends`: per route (or page) the slope, the change against the previous period
/// and the forecast crossing of the threshold. Figures have four decimals (error rates and CLS
/// are below 1); a missing or non-finite figure is null.
struct TrendsResponse: Encodable {
    struct Trend: Encodable {
        let service: String
        let route: String
        let current: Double?
        let previous: Double?
        let changePct: Double?
        let slopePerHour: Double
        let slopeLowPerHour: Double
        let slopeHighPerHour: Double
        let samples: Double
        let significant: Bool
        /// `up`, `down` or `flat` (not significant).
        let direction: String
        let forecastCrossing: Int64?
        let points: [Point]

        init(_ trend: RouteTrend) {
            service = trend.service
            route = trend.route
            current = trend.current?.roundedToTenThousandths
            previous = trend.previous?.roundedToTenThousandths
            changePct = trend.change.map { ($0 * 100).roundedToTenThousandths }
            slopePerHour = trend.slopePerHour.roundedToTenThousandths
            slopeLowPerHour = trend.lowSlopePerHour.roundedToTenThousandths
            slopeHighPerHour = trend.highSlopePerHour.roundedToTenThousandths
            samples = trend.samples.roundedToTenThousandths
            significant = trend.isSignificant
            direction = trend.isSignificant ? (trend.slopePerHour > 0 ? "up" : "down") : "flat"
            forecastCrossing = trend.crossingMs
            points = trend.points.map { Point(time: $0.time, value: $0.value.roundedToTenThousandths) }
        }
    }

    /// `[time, value]`.
    struct Point: Encodable {
        let time: Int64
        let value: Double

        func encode(to encoder: any Encoder) throws {
            var pair = encoder.unkeyedContainer()
            try pair.encode(time)
            try pair.encode(value)
        }
    }

    let metric: String
    let unit: String
    let from: Int64
    let to: Int64
    let stepMs: Int64
    let threshold: Double?
    let trends: [Trend]
}

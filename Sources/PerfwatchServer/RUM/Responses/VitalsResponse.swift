import PerfwatchModel

/// `GET /api/v1/vitals`: overall and per page and device, the p75 of each web vital with its
/// rating, the shares of good / needs-improvement / poor loads, Core Web Vitals pass and score.
struct VitalsResponse: Encodable {
    let from: Int64
    let to: Int64
    let overall: Row
    /// Most page views first.
    let pages: [Row]

    struct Row: Encodable {
        let page: String
        let device: String
        /// Page views.
        let samples: Double
        let vitals: Vitals
        let cwvPass: Bool?
        let score: Int64?
    }

    /// One entry per vital, in `WebVitals.names` order.
    struct Vitals: Encodable {
        let entries: [(name: String, vital: Vital)]

        private struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for entry in entries { try container.encode(entry.vital, forKey: Key(stringValue: entry.name)) }
        }
    }

    struct Vital: Encodable {
        /// Milliseconds to 1 decimal (CLS: unitless, 3 decimals).
        let p75: Double?
        let rating: String?
        let samples: Double
        /// Shares of rated loads, 3 decimals.
        let good: Double
        let needsImprovement: Double
        let poor: Double
    }
}

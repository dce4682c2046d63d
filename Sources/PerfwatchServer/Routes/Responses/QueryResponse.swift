import PerfwatchModel
import PerfwatchQuery

/// `GET /api/v1/query`: the query as understood, where the data came from, and the series.
///
/// The hot path of the API (a dashboard refresh asks for tens of thousands of points): the
/// points are written straight from the result's tuples, each `[time,value]` through an
/// unkeyed container, with no copy into intermediate values.
struct QueryResponse: Encodable {
    let result: QueryResult

    enum CodingKeys: String, CodingKey {
        case metric, stat, from, to, step, resolution, kind, unit, series
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(result.query.metric, forKey: .metric)
        try container.encode(result.query.stat.description, forKey: .stat)
        try container.encode(result.query.from, forKey: .from)
        try container.encode(result.query.to, forKey: .to)
        try container.encode(result.query.step, forKey: .step)
        try container.encode(result.source, forKey: .resolution)
        try container.encode(result.kind?.rawValue, forKey: .kind)
        try container.encode(result.unit, forKey: .unit)
        try container.encode(result.series.map(Series.init), forKey: .series)
    }

    /// Text reserved up front: about 24 characters a point.
    var capacity: Int { 256 + result.series.reduce(0) { $0 + $1.points.count } * 24 }

    struct Series: Encodable {
        let series: ResultSeries

        enum CodingKeys: String, CodingKey { case tags, points }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(series.tags, forKey: .tags)
            var points = container.nestedUnkeyedContainer(forKey: .points)
            for point in series.points {
                var pair = points.nestedUnkeyedContainer()
                try pair.encode(point.time)
                try pair.encode(point.value)
            }
        }
    }
}

/// `GET /api/v1/metrics`: every metric with its kind, unit, series count and tag values (at
/// most `QueryRoutes.catalogValueLimit` per key; keys with more are named in `truncated_tags`).
struct MetricCatalog: Encodable {
    struct Entry: Encodable {
        let name: String
        let kind: String
        let unit: String
        let series: Int
        let tags: [String: [String]]
        let truncatedTags: [String]

        enum CodingKeys: String, CodingKey {
            case name, kind, unit, series, tags
            case truncatedTags = "truncated_tags"
        }
    }

    let metrics: [Entry]
}

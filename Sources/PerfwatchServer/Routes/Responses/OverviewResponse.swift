/// `GET /api/v1/overview`: the latest value of each host and ingest tile and its status.
struct OverviewResponse: Encodable {
    struct Tile: Encodable {
        let id: String
        let label: String
        let metric: String
        /// One decimal; null without a value in the last minute.
        let value: Double?
        let unit: String
        /// `ok`, `warn`, `crit` or `unknown`.
        let status: String
        /// Null for a tile without that threshold.
        let warn: Double?
        let crit: Double?
    }

    let time: Int64
    let tiles: [Tile]
}

/// `POST /api/v1/load-runs`: the fields of a load report (`perfwatch load --out`,
/// docs/formats/load-run.md) the run list needs. The report has many more, stored as pushed, so
/// unknown fields are allowed here.
struct LoadRunSubmission: Decodable {
    struct Latency: Decodable {
        let p95: Double?
    }

    struct RequestResult: Decodable {
        let name: String
        let count: Double
        let latency: Latency
    }

    struct Total: Decodable {
        let count: Double?
        let errors: Double?
        let rate: Double?
        let latency: Latency?
    }

    let name: String
    /// Unix ms.
    let startMs: Int64
    let endMs: Int64
    let passed: Bool?
    let requests: [RequestResult]
    let total: Total?
}

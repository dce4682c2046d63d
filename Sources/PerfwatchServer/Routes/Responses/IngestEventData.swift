/// The data of one `ingest` event on `/api/v1/events`: when, which metrics (the first 100 by
/// name) and how many samples were committed since the last event.
struct IngestEventData: Encodable {
    let time: Int64
    let metrics: [String]
    let samples: Int
}

import PerfwatchModel

/// `/healthz` and `/readyz` when the answer is yes: `{"status":"ok"}`, `{"status":"ready"}`.
struct ProbeStatus: Encodable {
    let status: String

    static let ok = ProbeStatus(status: "ok")
    static let ready = ProbeStatus(status: "ready")
    /// `ok` encoded once: the connection guard answers `/healthz` on the event loop with it
    /// (a plain string field: the encoder has nothing to fail on).
    static let okText = (try? CompactJSONEncoder().encode(ok)) ?? "{}"
}

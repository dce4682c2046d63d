import PerfwatchIngest
import PerfwatchModel
import Testing

@Suite("Edge span derivations")
struct EdgeSpanDerivationTests {
    func edgeSpan(_ attributes: [String: String], kind: Span.Kind = .server, status: Span.Status = .unset) -> Span {
        Span(
            traceID: String(repeating: "b", count: 32), spanID: "0000000000000002", service: "edge", name: "GET /courses/:id",
            kind: kind, startNs: 1_795_000_000_000_000_000, durationNs: 12_000_000, status: status,
            attributes: [
                "http.route": "/courses/:id", "http.request.method": "GET", "http.response.status_code": "200",
                "url.path": "/courses/7",
            ].merging(attributes) { $1 })
    }

    func labels(_ output: SpanDerivations.Output, _ metric: String) -> [[String: String]] {
        output.points.points.filter { $0.series.metric == metric }.map(\.series.labels.dictionary)
    }

    @Test("an edge span gives the four edge metrics with the contract's labels, besides http.server.duration")
    func allMetrics() throws {
        var spans = [
            edgeSpan([
                "perfwatch.edge.cache": "MISS", "perfwatch.edge.upstream": "http://127.0.0.1:3002",
                "perfwatch.edge.bytes_out": "5120", "perfwatch.edge.bytes_upstream": "5120",
                "perfwatch.edge.content_type": "application/json", "perfwatch.edge.content_encoding": "identity",
                "perfwatch.edge.brotli_bytes": "1024", "perfwatch.edge.repeat": "same",
                "perfwatch.edge.cache_control": "max-age", "perfwatch.edge.set_cookie": "false",
                "perfwatch.edge.authorized": "true", "perfwatch.edge.cookie": "true",
            ])
        ]
        let output = SpanDerivations.derive(from: &spans)
        let points = output.points.points
        #expect(labels(output, "http.server.duration").count == 1)
        let duration = try #require(points.first { $0.series.metric == "edge.request.duration" })
        #expect(duration.kind == .distribution)
        #expect(duration.sample.value == 12)
        #expect(
            duration.series.labels.dictionary == [
                "service": "edge", "route": "/courses/:id", "method": "GET", "upstream": "http://127.0.0.1:3002", "cache": "MISS",
                "status_class": "2xx",
            ])
        #expect(
            labels(output, "edge.responses") == [
                [
                    "service": "edge", "route": "/courses/:id", "method": "GET", "repeat": "same", "cache_control": "max-age",
                    "set_cookie": "false", "authorized": "true",
                ]
            ])
        let bytes = points.filter { $0.series.metric == "edge.bytes_out" }
        #expect(bytes.map(\.sample.value) == [5120])
        #expect(bytes.first?.kind == .counter)
        #expect(
            bytes.first?.series.labels.dictionary == [
                "service": "edge", "route": "/courses/:id", "content_type": "application/json", "content_encoding": "identity",
            ])
        #expect(points.filter { $0.series.metric == "edge.brotli_sample" }.map(\.sample.value) == [5120])
        #expect(points.filter { $0.series.metric == "edge.brotli_sample_compressed" }.map(\.sample.value) == [1024])
        #expect(labels(output, "edge.brotli_sample") == [["service": "edge", "route": "/courses/:id", "content_type": "application/json"]])
        #expect(labels(output, "edge.image_sample").isEmpty, "no image sample without avif_bytes")
    }

    @Test("an image sample (perfwatch.edge.avif_bytes) gives its original and AVIF sizes and a count, by route and type")
    func imageSample() throws {
        var spans = [
            edgeSpan([
                "perfwatch.edge.cache": "NONE", "perfwatch.edge.bytes_out": "100000", "perfwatch.edge.content_type": "image/jpeg",
                "perfwatch.edge.avif_bytes": "12000",
            ])
        ]
        let output = SpanDerivations.derive(from: &spans)
        let points = output.points.points
        #expect(points.filter { $0.series.metric == "edge.image_sample" }.map(\.sample.value) == [100_000])
        #expect(points.filter { $0.series.metric == "edge.image_sample_avif" }.map(\.sample.value) == [12_000])
        #expect(points.filter { $0.series.metric == "edge.image_samples" }.map(\.sample.value) == [1])
        #expect(labels(output, "edge.image_sample_avif") == [["service": "edge", "route": "/courses/:id", "content_type": "image/jpeg"]])
        #expect(labels(output, "edge.brotli_sample").isEmpty)
    }

    @Test("a cache hit has upstream \"\"; missing attributes take defaults; no brotli sample without brotli_bytes")
    func defaults() {
        var spans = [edgeSpan(["perfwatch.edge.cache": "HIT", "perfwatch.edge.upstream": "", "perfwatch.edge.bytes_out": "300"])]
        let output = SpanDerivations.derive(from: &spans)
        #expect(labels(output, "edge.request.duration").first?["upstream"] == "")
        #expect(labels(output, "edge.request.duration").first?["cache"] == "HIT")
        #expect(
            labels(output, "edge.responses").first == [
                "service": "edge", "route": "/courses/:id", "method": "GET", "repeat": "", "cache_control": "none",
                "set_cookie": "false", "authorized": "false",
            ])
        #expect(labels(output, "edge.bytes_out").first?["content_encoding"] == "identity")
        #expect(labels(output, "edge.brotli_sample").isEmpty)
    }

    @Test("spans without perfwatch.edge.cache, and non-SERVER spans, give no edge metrics; bad byte counts are skipped")
    func onlyEdgeServerSpans() {
        var spans = [
            edgeSpan([:]),
            edgeSpan(["perfwatch.edge.cache": "NONE"], kind: .client),
            edgeSpan(["perfwatch.edge.cache": "NONE", "perfwatch.edge.bytes_out": "-5", "perfwatch.edge.brotli_bytes": "x"]),
        ]
        let output = SpanDerivations.derive(from: &spans)
        #expect(labels(output, "edge.request.duration").count == 1)
        #expect(labels(output, "edge.responses").count == 1)
        #expect(labels(output, "edge.bytes_out").isEmpty)
        #expect(labels(output, "edge.brotli_sample").isEmpty)
        #expect(labels(output, "http.server.duration").count == 2)
    }
}

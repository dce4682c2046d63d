import PerfwatchModel
import PerfwatchStorage
import PerfwatchTesting
import Testing

@Suite("Span store")
struct SpanStoreTests {
    static let nowNs = TimeParsing.nowMs() * 1_000_000

    func span(trace: String, id: String, parent: String = "", name: String, startOffsetMs: Int64, durationMs: Int64, error: Bool = false, route: String? = nil) -> Span {
        Span(
            traceID: trace, spanID: id, parentSpanID: parent, service: "shop", name: name, kind: parent.isEmpty ? .server : .client,
            startNs: Self.nowNs - 60_000_000_000 + startOffsetMs * 1_000_000, durationNs: durationMs * 1_000_000,
            status: error ? .error : .unset, attributes: route.map { ["http.route": $0] } ?? [:],
            events: [Span.Event(timeNs: Self.nowNs, name: "e", attributes: ["k": "v"])], resource: ["service.version": "2"], route: route ?? "")
    }

    @Test("a trace round-trips with its spans in start order; lists filter and order")
    func roundTrip() async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            let a = String(repeating: "a", count: 32)
            let b = String(repeating: "b", count: 32)
            let spans = [
                span(trace: a, id: "0000000000000002", parent: "0000000000000001", name: "SELECT", startOffsetMs: 5, durationMs: 10),
                span(trace: a, id: "0000000000000001", name: "GET /cart", startOffsetMs: 0, durationMs: 40, route: "/cart"),
                span(trace: b, id: "0000000000000003", name: "GET /pay", startOffsetMs: 100, durationMs: 900, error: true, route: "/pay"),
            ]
            _ = try await store.append(IngestPayload(spanBlocks: SpanBlockCodec.encodeBlocks(spans), statements: ["f1": "SELECT ?"]))
            let trace = try await store.trace(id: a)
            #expect(trace.map(\.spanID) == ["0000000000000001", "0000000000000002"])
            #expect(trace[0].attributes == ["http.route": "/cart"])
            #expect(trace[0].events.first?.attributes == ["k": "v"])
            #expect(trace[0].resource["service.version"] == "2")
            let now = TimeParsing.nowMs()
            var query = TraceQuery(from: now - 3_600_000, to: now)
            query.order = .duration
            let all = try await store.traceSummaries(query)
            #expect(all.map(\.traceID) == [b, a])
            #expect(all.last?.spanCount == 2)
            query.errorsOnly = true
            #expect(try await store.traceSummaries(query).map(\.traceID) == [b])
            query.errorsOnly = false
            query.route = "/cart"
            #expect(try await store.traceSummaries(query).map(\.traceID) == [a])
            query.route = nil
            query.minDurationMs = 100
            #expect(try await store.traceSummaries(query).map(\.traceID) == [b])
            #expect(try await store.statements(fingerprints: ["f1", "nope"]) == ["f1": "SELECT ?"])
            #expect(try await store.trace(id: String(repeating: "c", count: 32)).isEmpty)
        }
    }

    @Test("span retention removes old spans")
    func retention() async throws {
        try await withTemporaryDirectory { directory in
            var policy = RetentionPolicy()
            policy.spansMs = 30_000
            let store = try EmbeddedStore(configuration: .init(directory: directory, retention: policy, fsyncEachCommit: false))
            _ = try await store.append(IngestPayload(spanBlocks: SpanBlockCodec.encodeBlocks([span(trace: String(repeating: "d", count: 32), id: "0000000000000009", name: "old", startOffsetMs: 0, durationMs: 1)])))
            let report = try await store.applyRetention(nowMs: TimeParsing.nowMs())
            #expect(report.deletedSpans == 1)
            #expect(try await store.trace(id: String(repeating: "d", count: 32)).isEmpty)
            let now = TimeParsing.nowMs()
            #expect(try await store.traceSummaries(TraceQuery(from: now - 3_600_000, to: now)).isEmpty)
        }
    }
}

@Suite("Span store entry points")
struct SpanStoreEntryTests {
    @Test("a service's SERVER span inside a distributed trace is listed, and a failed child marks the trace")
    func entries() async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            let now = TimeParsing.nowMs()
            let trace = String(repeating: "e", count: 32)
            func span(_ id: String, parent: String, service: String, kind: Span.Kind, status: Span.Status = .unset) -> Span {
                Span(traceID: trace, spanID: id, parentSpanID: parent, service: service, name: "op", kind: kind,
                     startNs: (now - 10_000) * 1_000_000, durationNs: 5_000_000, status: status, route: kind == .server ? "/" + service : "")
            }
            // Two services export separately: the trace spans two blocks, and the error is in the second.
            _ = try await store.append(IngestPayload(spanBlocks: SpanBlockCodec.encodeBlocks([
                span("0000000000000001", parent: "", service: "gateway", kind: .server),
                span("0000000000000002", parent: "0000000000000001", service: "gateway", kind: .client),
            ])))
            _ = try await store.append(IngestPayload(spanBlocks: SpanBlockCodec.encodeBlocks([
                span("0000000000000003", parent: "0000000000000002", service: "billing", kind: .server),
                span("0000000000000004", parent: "0000000000000003", service: "billing", kind: .internal, status: .error),
            ])))
            #expect(try await store.trace(id: trace).map(\.spanID) == ["0000000000000001", "0000000000000002", "0000000000000003", "0000000000000004"])
            var query = TraceQuery(from: now - 60_000, to: now)
            let all = try await store.traceSummaries(query)
            #expect(all.count == 1)
            #expect(all.first?.isError == true)
            #expect(all.first?.spanCount == 4)
            query.service = "billing"
            #expect(try await store.traceSummaries(query).first?.route == "/billing")
            query.service = nil
            query.errorsOnly = true
            #expect(try await store.traceSummaries(query).count == 1)
        }
    }
}

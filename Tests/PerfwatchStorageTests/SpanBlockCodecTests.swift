import Foundation
import GRDB
import PerfwatchModel
@testable import PerfwatchStorage
import PerfwatchTesting
import Testing

@Suite("Span blocks")
struct SpanBlockCodecTests {
    func spans(count: Int, traces: Int) -> [Span] {
        (0..<count).map { index in
            let trace = String(format: "%016llx%016llx", UInt64(index % traces + 1) &* 0x9E37_79B9_7F4A_7C15, UInt64(7))
            return Span(
                traceID: trace, spanID: String(format: "%016llx", UInt64(index + 1)),
                parentSpanID: index < traces ? "" : String(format: "%016llx", UInt64(index % traces + 1)), service: "svc-\(index % 3)",
                name: "SELECT users \(index % 5)", kind: index < traces ? .server : .client,
                startNs: 1_700_000_000_000_000_000 + Int64(index) * 1_000_000 - Int64(index % 7) * 3_000_000,
                durationNs: Int64(index) * 1000 + 17, status: index % 11 == 0 ? .error : .ok,
                statusMessage: index % 11 == 0 ? "boom \(index)" : "",
                attributes: ["db.statement": "SELECT * FROM t WHERE id = \(index)", "db.system": "postgresql", "n": "\(index % 4)"],
                events: index % 4 == 0 ? [Span.Event(timeNs: 1_700_000_000_000_000_000 - 5, name: "exception", attributes: ["m": "x\(index)"])] : [],
                resource: ["service.name": "svc-\(index % 3)", "service.version": index % 2 == 0 ? "1" : "2"],
                route: index < traces ? "/users/{id}" : "", dbFingerprint: index < traces ? "" : "fp\(index % 5)")
        }
    }

    @Test("every field round-trips; one trace decodes alone; blocks are much smaller than the text")
    func roundTrip() throws {
        let input = spans(count: 700, traces: 90)
        let block = SpanBlockCodec.encode(input[...])
        #expect(try SpanBlockCodec.decode(block.data) == input)
        let wanted = input[5].traceID
        #expect(try SpanBlockCodec.decode(block.data, traceID: wanted) == input.filter { $0.traceID == wanted })
        #expect(block.traces.count == 90)
        #expect(block.traces.reduce(0) { $0 + $1.spanCount } == 700)
        #expect(block.entries.count == 90)
        #expect(block.minStartNs == input.map(\.startNs).min())
        let textBytes = input.reduce(0) { $0 + $1.attributes.description.utf8.count + $1.name.utf8.count + 80 }
        #expect(block.data.count * 4 < textBytes)
    }

    @Test("large exports split into blocks of at most the block size")
    func splits() {
        let blocks = SpanBlockCodec.encodeBlocks(spans(count: SpanBlockCodec.maxSpansPerBlock * 2 + 3, traces: 10))
        #expect(blocks.map(\.spanCount) == [SpanBlockCodec.maxSpansPerBlock, SpanBlockCodec.maxSpansPerBlock, 3])
        #expect(SpanBlockCodec.encodeBlocks([]).isEmpty)
    }

    @Test("corrupt or truncated blocks throw instead of crashing")
    func corrupt() {
        let data = SpanBlockCodec.encode(spans(count: 50, traces: 5)[...]).data
        #expect(throws: (any Error).self) { try SpanBlockCodec.decode(Array(data.prefix(data.count / 2))) }
        #expect(throws: (any Error).self) { try SpanBlockCodec.decode([UInt8]("PWSB".utf8)) }
        #expect(throws: (any Error).self) { try SpanBlockCodec.decode(Array(repeating: 0xFF, count: 64)) }
        var flipped = data
        flipped[4] = 9  // unknown version
        #expect(throws: (any Error).self) { try SpanBlockCodec.decode(flipped) }
    }

    @Test("an upgrade moves spans stored one per row (schema v2) into blocks")
    func migratesRows() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/perfwatch.sqlite"
            let trace = String(repeating: "ab", count: 16)
            do {
                let queue = try DatabaseQueue(path: path)
                try EmbeddedSchema.migrator.migrate(queue, upTo: "v2-spans")
                try await queue.write { db in
                    try db.execute(
                        sql: """
                            INSERT INTO spans (trace_id, span_id, parent_span_id, service, name, kind, start_ns, duration_ns, status,
                                status_message, route, db_fingerprint, is_entry, attributes, events, resource)
                            VALUES (?, '00000000000000aa', '', 'shop', 'GET /cart', 2, ?, 5000000, 2, 'bad', '/cart', '', 1,
                                '{"http.route":"/cart"}', '[]', '{"service.version":"3"}')
                            """, arguments: [trace, (TimeParsing.nowMs() - 1000) * 1_000_000])
                }
            }
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            let spans = try await store.trace(id: trace)
            #expect(spans.map(\.name) == ["GET /cart"])
            #expect(spans.first?.attributes == ["http.route": "/cart"])
            #expect(spans.first?.resource == ["service.version": "3"])
            let now = TimeParsing.nowMs()
            let listed = try await store.traceSummaries(TraceQuery(from: now - 60_000, to: now))
            #expect(listed.map(\.traceID) == [trace])
            #expect(listed.first?.isError == true)
        }
    }
}

@Suite("Deferred span-derived metrics")
struct DeferredDerivedTests {
    func payload(_ index: Int, nowMs: Int64) -> IngestPayload {
        let trace = String(format: "%032llx", UInt64(index + 1))
        let span = Span(
            traceID: trace, spanID: String(format: "%016llx", UInt64(index + 1)), service: "shop", name: "GET /",
            kind: .server, startNs: (nowMs - 1000) * 1_000_000, durationNs: 3_000_000, route: "/")
        let derived = PointBatch([
            MetricPoint(
                series: SeriesKey(metric: "http.server.duration", labels: Labels(["route": "/"])), kind: .distribution, unit: "ms",
                sample: Sample(timeMs: nowMs - 1000, value: 3))
        ])
        return IngestPayload(spanBlocks: SpanBlockCodec.encodeBlocks([span]), derived: derived)
    }

    @Test("held-back metrics are invisible until flushed, then all there; a flush empties the recovery backlog")
    func flush() async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            let now = TimeParsing.nowMs()
            for index in 0..<3 { _ = try await store.append(payload(index, nowMs: now), deferDerived: true) }
            #expect(store.series(metric: "http.server.duration").isEmpty)
            #expect(try await store.spansPendingDerivation().count == 3)
            try await store.flushDeferred()
            let series = try #require(store.series(metric: "http.server.duration").first)
            let buckets = try await store.readDistributions(
                seriesIDs: [series.id], from: now - 60_000, to: now, resolution: .tenSeconds, withSketches: false)
            #expect(buckets[series.id]?.reduce(0) { $0 + $1.count } == 3)
            #expect(try await store.spansPendingDerivation().isEmpty)
            // A non-deferring append writes its own derived metrics at once.
            _ = try await store.append(payload(9, nowMs: now))
            #expect(try await store.spansPendingDerivation().isEmpty)
        }
    }

    @Test("after a crash the spans whose metrics were held back are handed back for derivation")
    func crash() async throws {
        try await withTemporaryDirectory { directory in
            let now = TimeParsing.nowMs()
            do {
                let store = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
                _ = try await store.append(payload(0, nowMs: now))
                _ = try await store.append(payload(1, nowMs: now), deferDerived: true)
                _ = try await store.append(payload(2, nowMs: now), deferDerived: true)
                // No flush: the process dies with two exports' metrics in memory.
            }
            let reopened = try EmbeddedStore(configuration: .init(directory: directory, fsyncEachCommit: false))
            let pending = try await reopened.spansPendingDerivation()
            #expect(pending.map(\.spanID) == ["0000000000000002", "0000000000000003"])
            #expect(try await reopened.trace(id: String(format: "%032llx", UInt64(1))).count == 1)
        }
    }

    @Test("held commits share their series; a failed write's batch is held again with everything since")
    func dedupeAndRestore() {
        func batch(_ routes: [String], value: Double) -> PointBatch {
            PointBatch(routes.map { route in
                MetricPoint(
                    series: SeriesKey(metric: "http.server.duration", labels: Labels(["route": route])), kind: .distribution, unit: "ms",
                    sample: Sample(timeMs: 1_000, value: value))
            })
        }
        var held = DeferredDerived()
        held.add(batch(["/a", "/b"], value: 1), throughBlock: 3)
        held.add(batch(["/b", "/c"], value: 2), throughBlock: 5)
        #expect(held.points.series.count == 3)
        #expect(held.points.count == 4)
        #expect(held.throughBlock == 5)
        let routes = held.points.points.map { "\($0.series.labels["route"] ?? "")=\($0.sample.value)" }
        #expect(routes == ["/a=1.0", "/b=1.0", "/b=2.0", "/c=2.0"])
        // A write took `held` and failed while a newer commit was held meanwhile.
        var current = DeferredDerived()
        current.add(batch(["/c", "/d"], value: 3), throughBlock: 7)
        current.restore(held)
        #expect(current.points.count == 6)
        #expect(current.points.series.count == 4)
        #expect(current.throughBlock == 7)
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PerfwatchIngest
import PerfwatchModel
import PerfwatchServer
import PerfwatchStorage
import PerfwatchServerTesting
import PerfwatchTesting
import Testing

@Suite("Ingest admission: overload is refused before a body is read")
struct IngestAdmissionTests {
    /// A pipeline that is never run, so what is submitted stays queued.
    func withStalledPipeline(maxQueuedPoints: Int, _ body: (IngestPipeline, IngestStatistics) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let store = try EmbeddedStore(configuration: EmbeddedStoreConfiguration(directory: directory, fsyncEachCommit: false))
            let statistics = IngestStatistics()
            let pipeline = IngestPipeline(
                store: store, configuration: .init(maxQueuedPoints: maxQueuedPoints), statistics: statistics,
                broadcaster: CommitBroadcaster(), logger: .testing)
            try await body(pipeline, statistics)
        }
    }

    @Test("bodies in flight beyond the cap are refused with overloaded; a lone request always gets in")
    func bytesInFlight() async throws {
        try await withStalledPipeline(maxQueuedPoints: 1_000) { pipeline, statistics in
            let admission = IngestAdmission(pipeline: pipeline, maxBodyBytesInFlight: 100, maxPreparing: 10, statistics: statistics)
            let seen = try await admission.admit(bytes: 60) { _ in
                do {
                    try await admission.admit(bytes: 60) { _ in }
                    Issue.record("a second 60-byte body was admitted past a 100-byte cap")
                } catch let error as PerfwatchError {
                    #expect(error.code == .overloaded)
                    #expect(error.message.contains("in flight"))
                }
                try await admission.admit(bytes: 40) { _ in }  // fits beside the first
                return admission.bytesInFlight
            }
            #expect(seen == 60)
            #expect(admission.bytesInFlight == 0)
            try await admission.admit(bytes: 5_000) { _ in }  // alone: admitted whatever its size
            #expect(statistics.snapshot.overloadRefusals == 1)
        }
    }

    @Test("past the parsing cap requests wait in a short line, get slots in turn, and beyond the line are refused")
    func preparing() async throws {
        try await withStalledPipeline(maxQueuedPoints: 1_000) { pipeline, statistics in
            let admission = IngestAdmission(pipeline: pipeline, maxBodyBytesInFlight: 1 << 20, maxPreparing: 1, statistics: statistics)
            #expect(admission.maxWaiting == 8)
            let (parsed, firstParsed) = AsyncStream.makeStream(of: Void.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                try await admission.admit(bytes: 10) { pass in
                    for _ in 0..<admission.maxWaiting {
                        group.addTask { () async throws -> Void in try await admission.admit(bytes: 10) { _ in _ = firstParsed.yield() } }
                    }
                    // Let the waiters line up, then one too many is refused at once.
                    while admission.bytesInFlight < 10 * (1 + admission.maxWaiting) { await Task.yield() }
                    do {
                        try await admission.admit(bytes: 10) { _ in }
                        Issue.record("a request was admitted past a full line")
                    } catch let error as PerfwatchError {
                        #expect(error.code == .overloaded)
                        #expect(error.message.contains("being parsed"))
                    }
                    pass.prepared()
                    pass.prepared()  // twice: one slot given back, not two
                }
                try await group.waitForAll()
            }
            firstParsed.finish()
            var count = 0
            for await _ in parsed { count += 1 }
            #expect(count == admission.maxWaiting)
            #expect(admission.preparing == 0)
            #expect(admission.bytesInFlight == 0)
            #expect(statistics.snapshot.overloadRefusals == 1)
        }
    }

    @Test("a queue over half full refuses new ingest at once; the bytes reserved are given back")
    func queueHalfFull() async throws {
        try await withStalledPipeline(maxQueuedPoints: 10) { pipeline, statistics in
            let admission = IngestAdmission(pipeline: pipeline, maxBodyBytesInFlight: 1 << 20, maxPreparing: 10, statistics: statistics)
            let items = (0..<6).map { #"{"name":"a.b","kind":"gauge","value":\#($0)}"# }.joined(separator: ",")
            let batch = try JSONMetricsParser().parse(Array(#"{"metrics":[\#(items)]}"#.utf8), nowMs: TimeParsing.nowMs())
            pipeline.submit(IngestPayload(points: batch.points)) { _ in }
            #expect(pipeline.isOverloaded)
            await #expect(throws: PerfwatchError.self) { try await admission.admit(bytes: 10) { _ in } }
            #expect(admission.bytesInFlight == 0)
            #expect(statistics.snapshot.overloadRefusals == 1)
        }
    }

    @Test("a declared body over the limit is answered 413 before it is read")
    func declaredTooLarge() async throws {
        try await withApp({ $0.maxBodyBytes = 1_000 }) { client in
            for path in ["/api/v1/metrics", "/api/v1/import/prometheus"] {
                let response = try await client.execute(
                    uri: path, method: .post, headers: [.contentType: "application/json", .contentLength: "5000"],
                    body: ByteBuffer(string: String(repeating: " ", count: 5000)))
                #expect(response.status == .contentTooLarge)
                #expect(response.errorMessage.contains("limit of 1000 bytes"))
            }
            #expect(try await client.get("/healthz").status == .ok)
        }
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PerfwatchModel
import PerfwatchServer
import Testing

@Suite("OTLP and trace endpoints")
struct OTLPEndpointTests {
    static func jsonExport(traceID: String, spans: [(id: String, parent: String, name: String, kind: Int, startMs: Int64, durationMs: Int64, attributes: [String: String], error: Bool)]) -> String {
        let spanTexts = spans.map { span -> String in
            let start = span.startMs * 1_000_000
            let attributes = span.attributes.map { #"{"key":"\#($0.key)","value":{"stringValue":"\#($0.value)"}}"# }.joined(separator: ",")
            return #"{"traceId":"\#(traceID)","spanId":"\#(span.id)","parentSpanId":"\#(span.parent)","name":"\#(span.name)","kind":\#(span.kind),"startTimeUnixNano":"\#(start)","endTimeUnixNano":"\#(start + span.durationMs * 1_000_000)","attributes":[\#(attributes)],"status":{"code":\#(span.error ? 2 : 0)}}"#
        }
        return #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"learn"}},{"key":"service.version","value":{"stringValue":"3.1"}}]},"scopeSpans":[{"spans":[\#(spanTexts.joined(separator: ","))]}]}]}"#
    }

    @Test("a JSON export is stored, derives RED and query metrics, and reads back as a waterfall")
    func roundTrip() async throws {
        try await withApp { client in
            let now = TimeParsing.nowMs() - 5_000
            let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
            let body = Self.jsonExport(traceID: trace, spans: [
                ("00f067aa0ba902b7", "", "GET /courses/:id", 2, now, 100, ["http.route": "/courses/:id", "http.request.method": "GET", "http.response.status_code": "500"], true),
                ("00f067aa0ba902b8", "00f067aa0ba902b7", "SELECT", 3, now + 10, 30, ["db.system": "postgresql", "db.statement": "SELECT * FROM lessons WHERE course_id = 42"], false),
                ("00f067aa0ba902b9", "00f067aa0ba902b7", "SELECT", 3, now + 50, 20, ["db.system": "postgresql", "db.statement": "SELECT * FROM lessons WHERE course_id = 43"], false),
            ])
            let export = try await client.post("/v1/traces", body)
            #expect(export.status == .ok)
            #expect(export.text == "{}")
            let waterfall = try await client.get("/api/v1/traces/\(trace)")
            let spans = waterfall.json["spans"] as? [[String: Any]] ?? []
            #expect(spans.count == 3)
            #expect(spans.first?["selfTimeMs"] as? Double == 50)
            #expect(spans.first?["status"] as? String == "error")
            let routes = try await client.get("/api/v1/routes?from=-1h")
            let route = (routes.json["routes"] as? [[String: Any]])?.first
            #expect(route?["route"] as? String == "/courses/:id")
            #expect(route?["requests"] as? Int == 1)
            #expect(route?["errorRate"] as? Int == 1)
            let queries = try await client.get("/api/v1/db/queries?from=-1h")
            let query = (queries.json["queries"] as? [[String: Any]])?.first
            #expect(query?["calls"] as? Int == 2)
            #expect(query?["callsPerTrace"] as? Int == 2)
            #expect(query?["traces"] as? Int == 1)
            #expect(query?["statement"] as? String == "SELECT * FROM lessons WHERE course_id = ?")
            let list = try await client.get("/api/v1/traces?from=-1h&status=error")
            #expect((list.json["traces"] as? [[String: Any]])?.first?["spanCount"] as? Int == 3)
        }
    }

    @Test("partial success names the refused spans; bad bodies and types get OTLP error statuses")
    func badInput() async throws {
        try await withApp { client in
            let now = TimeParsing.nowMs()
            let body = Self.jsonExport(traceID: "4bf92f3577b34da6a3ce929d0e0e4737", spans: [
                ("00f067aa0ba902b7", "", "ok", 2, now, 1, [:], false), ("0000000000000000", "", "zero id", 2, now, 1, [:], false),
            ])
            let partial = try await client.post("/v1/traces", body)
            #expect(partial.status == .ok)
            let success = partial.json["partialSuccess"] as? [String: Any]
            #expect(success?["rejectedSpans"] as? String == "1")
            #expect((success?["errorMessage"] as? String)?.contains("all zero") == true)
            let garbage = try await client.post("/v1/traces", "{\"resourceSpans\": [", headers: [.contentType: "application/json"])
            #expect(garbage.status == .badRequest)
            #expect(garbage.json["code"] as? Int == 3)
            let protobuf = try await client.post("/v1/traces", "\u{FF}\u{FF}\u{FF}", headers: [.contentType: "application/x-protobuf"])
            #expect(protobuf.status == .badRequest)
            #expect(protobuf.headers[.contentType] == "application/x-protobuf")
            let empty = try await client.execute(uri: "/v1/traces", method: .post, headers: [.contentType: "application/x-protobuf"])
            #expect(empty.status == .ok)
            #expect(try await client.post("/v1/traces", "x", headers: [.contentType: "text/plain"]).status == .unsupportedMediaType)
            #expect(try await client.post("/v1/logs", "{}").status == .notFound)
            #expect(try await client.get("/v1/traces").status == .methodNotAllowed)
            #expect(try await client.get("/api/v1/traces/nothex").status == .badRequest)
            #expect(try await client.get("/api/v1/traces/\(String(repeating: "0", count: 31))1").status == .notFound)
            #expect(try await client.get("/api/v1/traces?min_duration=fast").status == .badRequest)
            #expect(try await client.get("/healthz").status == .ok)
        }
    }
}

import PerfwatchIngest
import PerfwatchModel
import Testing

@Suite("SQL fingerprints")
struct SQLFingerprintTests {
    @Test("literals, IN lists and whitespace normalize to one statement", arguments: [
        ("SELECT * FROM lessons WHERE course_id = 42", "SELECT * FROM lessons WHERE course_id = ?"),
        ("select *  from lessons\n where course_id=7 and title = 'It''s'", "SELECT * FROM lessons WHERE course_id=? AND title = ?"),
        ("SELECT id FROM users WHERE id IN (1, 2, 3, 4)", "SELECT id FROM users WHERE id IN (?)"),
        ("SELECT id FROM users WHERE id IN ($1,$2)", "SELECT id FROM users WHERE id IN (?)"),
        ("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y');", "INSERT INTO t (a, b) VALUES (?)"),
        ("SELECT * FROM t2 /* hint */ WHERE x = -1.5e3 -- trailing", "SELECT * FROM t2 WHERE x = -?"),
        ("GET session:ca632f1e8cfb32b3", "GET ?"), ("hset user:17 name ana", "HSET ?"), ("PING", "PING"),
    ])
    func normalize(statement: String, expected: String) {
        #expect(SQLFingerprint.normalize(statement) == expected)
    }

    @Test("equal shapes share a fingerprint, different ones do not")
    func fingerprints() {
        let a = SQLFingerprint.fingerprint(ofNormalized: SQLFingerprint.normalize("SELECT * FROM a WHERE id = 1"))
        let b = SQLFingerprint.fingerprint(ofNormalized: SQLFingerprint.normalize("select * from a where id = 99"))
        let c = SQLFingerprint.fingerprint(ofNormalized: SQLFingerprint.normalize("SELECT * FROM b WHERE id = 1"))
        #expect(a == b)
        #expect(a != c)
        #expect(a.count == 16)
    }
}

@Suite("Span derivations")
struct SpanDerivationTests {
    func span(_ name: String, kind: Span.Kind, attributes: [String: String], status: Span.Status = .unset) -> Span {
        Span(
            traceID: String(repeating: "a", count: 32), spanID: "0000000000000001", service: "shop", name: name, kind: kind,
            startNs: 1_795_000_000_000_000_000, durationNs: 25_000_000, status: status, attributes: attributes,
            resource: ["service.version": "1.2.0"])
    }

    @Test("route patterns from paths", arguments: [
        ("/courses/123/lessons/9", "/courses/:id/lessons/:id"), ("/u/550e8400-e29b-41d4-a716-446655440000?x=1", "/u/:id"),
        ("https://shop.example/cart", "/cart"), ("/", "/"), ("/objects/5f9c1a2b3c4d5e6f7a8b9c0d", "/objects/:id"),
        ("", "/"), ("?q=1", "/"), ("https://shop.example", "/"), ("/items/12/#top", "/items/:id/"),
        ("/hex/deadbeefdeadbeef", "/hex/deadbeefdeadbeef"), ("/v2/café/7", "/v2/café/:id"), ("/a//b", "/a//b"),
        ("/short/5f9c1a", "/short/5f9c1a"), ("/n/-12", "/n/-12"),
    ])
    func routes(path: String, expected: String) {
        #expect(RouteNormalizer.pattern(forPath: path) == expected)
    }

    @Test("SERVER spans become http.server.duration with RED tags; errors are counted")
    func server() {
        var spans = [
            span("GET /courses/:id", kind: .server, attributes: ["http.route": "/courses/:id", "http.request.method": "GET", "http.response.status_code": "200"]),
            span("GET", kind: .server, attributes: ["url.path": "/courses/77", "http.method": "GET", "http.status_code": "500"], status: .error),
        ]
        let output = SpanDerivations.derive(from: &spans)
        let points = output.points.points
        #expect(points.filter { $0.series.metric == "http.server.duration" }.count == 2)
        let first = points[0]
        #expect(first.kind == .distribution)
        #expect(first.sample.value == 25)
        #expect(first.series.labels.dictionary == ["service": "shop", "route": "/courses/:id", "method": "GET", "status_class": "2xx", "version": "1.2.0"])
        let errors = points.filter { $0.series.metric == "http.server.errors" }
        #expect(errors.count == 1)
        #expect(errors.first?.series.labels["status_class"] == "5xx")
        #expect(errors.first?.series.labels["route"] == "/courses/:id")
    }

    @Test("database spans become db.query.duration by fingerprint, with the statement kept once")
    func database() {
        var spans = [
            span("SELECT lessons", kind: .client, attributes: ["db.system": "postgresql", "db.statement": "SELECT * FROM lessons WHERE course_id = 1"]),
            span("SELECT lessons", kind: .client, attributes: ["db.system": "postgresql", "db.statement": "SELECT * FROM lessons WHERE course_id = 2"]),
        ]
        let output = SpanDerivations.derive(from: &spans)
        #expect(spans[0].dbFingerprint == spans[1].dbFingerprint)
        #expect(spans[0].dbFingerprint == output.statements.keys.first)
        let points = output.points.points.filter { $0.series.metric == "db.query.duration" }
        #expect(points.count == 2)
        #expect(points[0].series == points[1].series)
        // Both calls come from one trace: one calls-per-trace value of 2, same tags as the durations.
        let perTrace = output.points.points.filter { $0.series.metric == "db.query.calls_per_trace" }
        #expect(perTrace.map(\.sample.value) == [2])
        #expect(perTrace.first?.series.labels == points[0].series.labels.adding("route", ""))
        #expect(points[0].series.labels["operation"] == "SELECT")
        #expect(output.statements.count == 1)
        #expect(output.statements.values.first == "SELECT * FROM lessons WHERE course_id = ?")
    }
}

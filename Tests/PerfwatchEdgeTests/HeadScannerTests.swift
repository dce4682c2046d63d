import NIOCore
import Testing

@testable import PerfwatchEdge

@Suite("edge fast path: the request-head scanner")
struct HeadScannerTests {
    static func scan(_ text: String, limit: Int = 32 * 1024) -> RequestScan {
        Array(text.utf8).withUnsafeBytes { HeadScanner.scanRequest($0, limit: limit) }
    }

    static func text(_ source: String, _ range: Range<Int>) -> String {
        String(decoding: Array(source.utf8)[range], as: UTF8.self)
    }

    @Test("a plain GET: method, target, headers as offsets; the limit counted as the full path counts it")
    func plainGet() throws {
        let head = "GET /courses/7?x=1 HTTP/1.1\r\nHost: ab\r\nAccept:  */* \r\nCookie: a=1\r\nAuthorization: Bearer t\r\n\r\nGET /next"
        guard case .request(let request) = Self.scan(head) else { Issue.record("not accepted: \(Self.scan(head))"); return }
        #expect(request.length == head.utf8.count - "GET /next".utf8.count)
        #expect(Self.text(head, request.method) == "GET")
        #expect(Self.text(head, request.target) == "/courses/7?x=1")
        #expect(!request.isHead && !request.closeAfter && request.cookie && request.authorized)
        #expect(request.fields.map { Self.text(head, $0.name) } == ["Host", "Accept", "Cookie", "Authorization"])
        #expect(Self.text(head, request.fields[1].value) == "*/*")
        #expect(Self.text(head, request.host) == "ab")
        // ForwardedHeaders.headBytes: method + target + 12, and name + value + 4 per header (Host as the authority + 8).
        #expect(request.limitBytes == 3 + 14 + 12 + (4 + 2 + 4) + (6 + 3 + 4) + (6 + 3 + 4) + (13 + 8 + 4))
    }

    @Test("HEAD, Connection: close or keep-alive, Content-Length: 0, traceparent are accepted")
    func acceptedVariants() throws {
        guard case .request(let head) = Self.scan("HEAD / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, close\r\nContent-Length: 0\r\n\r\n") else {
            Issue.record("HEAD refused")
            return
        }
        #expect(head.isHead && head.closeAfter)
        let traced = "GET / HTTP/1.1\r\nhost: a\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n"
        guard case .request(let request) = Self.scan(traced) else { Issue.record("traceparent refused"); return }
        #expect(Self.text(traced, try #require(request.traceparent)).hasPrefix("00-0af7"))
    }

    @Test("an incomplete head waits, until it is over the limit")
    func incomplete() {
        #expect(Self.scan("GET / HTTP/1.1\r\nHost: a\r\n") == .incomplete)
        #expect(Self.scan("GE") == .incomplete)
        #expect(Self.scan("GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + String(repeating: "x", count: 100), limit: 64) == .fallback(.tooLarge))
    }

    /// One head for every reason a request leaves the fast path (`route` is decided by the proxy, tested there).
    static let fallbacks: [(FastPathFallback, String)] = [
        (.notHTTP11, "GET / HTTP/1.0\r\nHost: a\r\n\r\n"),
        (.method, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
        (.method, "get / HTTP/1.1\r\nHost: a\r\n\r\n"),
        (.target, "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n"),
        (.target, "GET * HTTP/1.1\r\nHost: a\r\n\r\n"),
        (.bareLF, "GET / HTTP/1.1\nHost: a\n\n"),
        (.bareLF, "GET / HTTP/1.1\r\nHost: a\n\r\n"),
        (.obsFold, "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  more\r\n\r\n"),
        (.malformed, "GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
        (.malformed, "GET / HTTP/1.1\r\nX-A\r\nHost: a\r\n\r\n"),
        (.malformed, "GET / HTTP/1.1 \r\nHost: a\r\n\r\n"),
        (.malformed, "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\u{01}b\r\n\r\n"),
        (.nonASCII, "GET / HTTP/1.1\r\nHost: a\r\nX-Name: é\r\n\r\n"),
        (.duplicateContentLength, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n"),
        (.body, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"),
        (.malformed, "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"),
        (.transferEncoding, "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        (.upgrade, "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n"),
        (.upgrade, "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\n\r\n"),
        (.expect, "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n"),
        (.connectionToken, "GET / HTTP/1.1\r\nHost: a\r\nConnection: X-Drop\r\nX-Drop: 1\r\n\r\n"),
        (.host, "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"),
        (.host, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        (.traceparent, "GET / HTTP/1.1\r\nHost: a\r\ntraceparent: x\r\ntraceparent: y\r\n\r\n"),
        (.tooLarge, "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: 80) + "\r\n\r\n"),
    ]

    @Test("every fallback reason has a head that takes it", arguments: fallbacks.indices)
    func fallback(_ index: Int) {
        let (reason, head) = Self.fallbacks[index]
        #expect(Self.scan(head, limit: 64) == .fallback(reason), "\(head.debugDescription)")
    }

    @Test("the table covers every reason the scanner gives")
    func everyReasonCovered() {
        let covered = Set(Self.fallbacks.map(\.0))
        #expect(Set(FastPathFallback.allCases).subtracting(covered) == [.route])
    }

    @Test("arbitrary bytes never crash the scanner and an accepted head is always within the bytes")
    func noCrashOnNoise() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("GET HEAD / HTTP/1.1\r\n:Host a\t\u{7f}é,".utf8)
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0..<80, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let scan = bytes.withUnsafeBytes { HeadScanner.scanRequest($0, limit: 64) }
            if case .request(let request) = scan { #expect(request.length <= bytes.count) }
        }
    }
}

@Suite("edge fast path: the response-head scanner and chunked framing")
struct ResponseScannerTests {
    static func scan(_ text: String, head: Bool = false) -> ResponseScan {
        Array(text.utf8).withUnsafeBytes { HeadScanner.scanResponse($0, requestIsHead: head) }
    }

    static func framing(_ text: String, head: Bool = false) -> (BodyFraming, Bool)? {
        guard case .response(let response) = scan(text, head: head) else { return nil }
        return (response.framing, response.keepAlive)
    }

    @Test("framing and keep-alive from the head")
    func framings() throws {
        #expect(try #require(Self.framing("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")) == (.length(5), true))
        #expect(try #require(Self.framing("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n")) == (.chunked, true))
        #expect(try #require(Self.framing("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")) == (.untilClose, false))
        #expect(try #require(Self.framing("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n")) == (.length(5), false))
        #expect(try #require(Self.framing("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n")) == (.length(5), false))
        #expect(try #require(Self.framing("HTTP/1.0 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n")) == (.length(5), true))
        #expect(try #require(Self.framing("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", head: true)) == (.none, true))
        #expect(try #require(Self.framing("HTTP/1.1 204 No Content\r\n\r\n")) == (.none, true))
        #expect(try #require(Self.framing("HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\n\r\n")) == (.none, true))
        #expect(try #require(Self.framing("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")) == (.length(0), true))
        guard case .response(let named) = Self.scan("HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Private\r\nContent-Length: 0\r\n\r\n") else {
            Issue.record("refused")
            return
        }
        #expect(named.connectionTokens.count == 1 && named.status == 200)
    }

    @Test(
        "what the fast path will not relay is malformed (502)",
        arguments: [
            "NOT HTTP AT ALL\r\n\r\n", "HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 100 Continue\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "HTTP/1.1 200 OK\nContent-Length: 0\n\n", "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        ])
    func malformed(_ head: String) {
        guard case .malformed = Self.scan(head) else {
            Issue.record("accepted: \(head.debugDescription)")
            return
        }
    }

    static func decode(_ pieces: [String]) throws(ChunkedDecoder.Malformed) -> (String, Bool, String) {
        var decoder = ChunkedDecoder()
        var data = ""
        var rest = ""
        for piece in pieces {
            var buffer = ByteBuffer(string: piece)
            try decoder.feed(&buffer) { data += String(buffer: $0) }
            rest += String(buffer: buffer)
        }
        return (data, decoder.isDone, rest)
    }

    @Test("chunked: data, extensions and trailers, in any split; bytes after the end stay")
    func chunked() throws {
        let body = "5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: t\r\n\r\nNEXT"
        #expect(try Self.decode([body]) == ("hello, world!!!", true, "NEXT"))
        #expect(try Self.decode(body.map { String($0) }) == ("hello, world!!!", true, "NEXT"))
        #expect(try Self.decode(["5\r\nhel", "lo\r\n"]) == ("hello", false, ""))
    }

    @Test(
        "chunked: malformed framing is refused",
        arguments: ["zz\r\nnot hex\r\n", "5\r\nhelloX\r\n0\r\n\r\n", "5\nhello\r\n", "10000000000\r\n", "\r\n", "0\r\nX: 1\n\r\n"])
    func chunkedMalformed(_ body: String) {
        #expect(throws: ChunkedDecoder.Malformed.self) { try Self.decode([body]) }
    }
}

@Suite("edge fast path: heads written as bytes")
struct HeadWriterTests {
    @Test("the upstream request: upstream Host, client headers without hop-by-hop ones, X-Forwarded-*, traceparent")
    func upstreamRequest() throws {
        let text = "GET /a?b HTTP/1.1\r\nHost: edge:80\r\nX-Forwarded-For: 10.0.0.1\r\nKeep-Alive: 5\r\nX-Forwarded-Proto: https\r\nAccept: */*\r\nConnection: keep-alive\r\ntraceparent: old\r\n\r\n"
        let head = ByteBuffer(string: text)
        guard case .request(let request) = HeadScannerTests.scan(text) else { Issue.record("refused"); return }
        var out = ByteBuffer()
        HeadWriter.upstreamRequest(
            head: head, request, upstream: UpstreamTarget(url: "http://127.0.0.1:3000/base"), clientAddress: "127.0.0.1", traceparent: "00-new", into: &out)
        #expect(
            String(buffer: out)
                == "GET /base/a?b HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nAccept: */*\r\nX-Forwarded-For: 10.0.0.1, 127.0.0.1\r\n"
                + "X-Forwarded-Proto: http\r\nX-Forwarded-Host: edge:80\r\ntraceparent: 00-new\r\n\r\n")
    }

    @Test("the client's answer: HTTP/1.1, hop-by-hop and Connection-named headers dropped, Server-Timing, close, re-chunked")
    func downstreamResponse() throws {
        let text = "HTTP/1.0 201 Created\r\nContent-Type: a/b\r\nConnection: keep-alive, X-Private\r\nx-private: s\r\nTransfer-Encoding: chunked\r\nX-App: 1\r\n\r\n"
        guard case .response(let response) = ResponseScannerTests.scan(text) else { Issue.record("refused"); return }
        var out = ByteBuffer()
        HeadWriter.downstreamResponse(head: ByteBuffer(string: text), response, serverTiming: "edge;dur=0.01", close: true, chunked: true, into: &out)
        #expect(
            String(buffer: out)
                == "HTTP/1.1 201 Created\r\nContent-Type: a/b\r\nX-App: 1\r\nServer-Timing: edge;dur=0.01\r\nConnection: close\r\n"
                + "transfer-encoding: chunked\r\n\r\n")
    }
}

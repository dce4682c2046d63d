import NIOCore
import Testing

@testable import PerfwatchLoad

@Suite struct HTTPResponseParserTests {
    /// Feeds `chunks` one by one and returns the responses as (status, keepAlive, body).
    func parse(_ chunks: [String], collect: Bool = true, head: Bool = false) throws -> [(Int, Bool, String?)] {
        var parser = HTTPResponseParser()
        parser.collectBody = collect
        parser.isHeadRequest = head
        var responses: [(Int, Bool, String?)] = []
        for chunk in chunks {
            var buffer = ByteBuffer(string: chunk)
            parser.append(&buffer)
            while let response = try parser.next() {
                responses.append((response.status, response.keepAlive, response.body.map { String(buffer: $0) }))
            }
        }
        if let last = parser.end() { responses.append((last.status, last.keepAlive, last.body.map { String(buffer: $0) })) }
        return responses
    }

    @Test func contentLengthSplitAnywhere() throws {
        let response = "HTTP/1.1 200 OK\r\nServer: x\r\ncontent-LENGTH: 5\r\n\r\nhello"
        for split in 1..<response.utf8.count {
            let bytes = Array(response.utf8)
            let parts = [String(decoding: bytes[..<split], as: UTF8.self), String(decoding: bytes[split...], as: UTF8.self)]
            let parsed = try parse(parts)
            #expect(parsed.count == 1 && parsed[0].0 == 200 && parsed[0].1 && parsed[0].2 == "hello", "split at \(split)")
        }
    }

    @Test func chunkedWithTrailersAndConnectionClose() throws {
        let parsed = try parse([
            "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhel",
            "lo\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n",
        ])
        #expect(parsed.count == 1)
        #expect(parsed[0].0 == 201 && !parsed[0].1 && parsed[0].2 == "hello world")
    }

    @Test func bodylessResponsesAndInterimOnes() throws {
        #expect(try parse(["HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"]).map(\.0) == [204])
        #expect(try parse(["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"], head: true).map(\.0) == [200])
        #expect(try parse(["HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]).map(\.2) == ["ok"])
    }

    @Test func bodyUntilCloseAndHTTP10() throws {
        let parsed = try parse(["HTTP/1.0 200 OK\r\n\r\nall of ", "it"])
        #expect(parsed.count == 1 && parsed[0].2 == "all of it" && !parsed[0].1)
        #expect(try parse(["HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"]).map(\.1) == [true])
    }

    @Test func garbageIsRejected() {
        #expect(throws: HTTPResponseParser.Malformed.self) { try parse(["SSH-2.0-OpenSSH\r\n\r\n"]) }
        #expect(throws: HTTPResponseParser.Malformed.self) { try parse(["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]) }
    }
}

import PerfwatchEdge
import Testing

@Suite struct EdgeMessageTests {
    @Test func headerNamesAreLowercasedAndRepeatedFieldsJoined() {
        let request = EdgeRequest(method: "GET", target: "/a", headers: [("Accept", "text/html"), ("accept", "*/*")])
        #expect(request.headers.map(\.name) == ["accept", "accept"])
        #expect(request.header("ACCEPT") == "text/html, */*")
        #expect(request.header("cookie") == nil)
    }

    @Test func setHeaderReplacesEveryFieldOfThatName() {
        var response = EdgeResponse(status: 200, headers: [("Vary", "a"), ("vary", "b"), ("ETag", "\"1\"")])
        response.setHeader("Vary", "c")
        #expect(response.header("vary") == "c")
        response.setHeader("etag", nil)
        #expect(response.header("etag") == nil)
        #expect(response.headers.count == 1)
    }
}

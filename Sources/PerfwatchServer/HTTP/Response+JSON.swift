import Hummingbird
import NIOCore
import PerfwatchModel

extension Response {
    /// Every JSON body the API answers with: a typed value through the one shared encoder
    /// (`CompactJSONEncoder`: declared keys, nil and non-finite numbers as `null`).
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, capacity: Int = 256) throws -> Response {
        let text = try CompactJSONEncoder().encode(value, capacity: capacity)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// `{"error":{"code":…,"message":…}}`, the body of every refusal.
struct ErrorResponse: Encodable {
    struct Detail: Encodable {
        let code: String
        let message: String
    }
    let error: Detail

    init(_ error: PerfwatchError) {
        self.error = Detail(code: error.code.rawValue, message: error.message)
    }
}

import HTTPTypes
import Hummingbird
import PerfwatchModel

extension Router {
    /// Answers every method not registered for `path` with 405 and an `Allow` header, so a
    /// wrong method is told apart from a wrong path.
    func rejectOtherMethods(_ path: RouterPath, allowed: [HTTPRequest.Method]) {
        let all: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .head]
        let allowHeader = allowed.map(\.rawValue).joined(separator: ", ")
        for method in all where !allowed.contains(method) && !(method == .head && allowed.contains(.get)) {
            on(path, method: method) { request, _ -> Response in
                ErrorMiddleware<Context>.response(
                    for: PerfwatchError(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path); use \(allowHeader)"),
                    headers: [.allow: allowHeader])
            }
        }
    }
}

import PerfwatchModel

/// The numeric id in a resource path (`/api/v1/issues/{id}` …), or a 400 naming the resource.
enum PathID {
    static func parse(_ text: String, _ resource: String) throws -> Int64 {
        guard let id = Int64(text) else { throw PerfwatchError(.badRequest, "\(resource) id '\(text)' is not a number") }
        return id
    }
}

/// `PATCH /api/v1/issues/:id`: `{"status": "acknowledged|resolved|ignored|open"}`.
struct IssueStatusChange: Decodable {
    let status: String
}

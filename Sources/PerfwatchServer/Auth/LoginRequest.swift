/// The body of `POST /api/v1/session`: `{"key":"YOUR API KEY"}`.
struct LoginRequest: Decodable {
    let key: String
}

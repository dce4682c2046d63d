internal import Crypto
import Foundation
import PerfwatchModel

/// AWS Signature Version 4 for one request (docs.aws.amazon.com, "Create a signed AWS API
/// request"): the canonical request, the string to sign, the signing key derived by HMAC-SHA256
/// from the secret, date, region and service, and the `Authorization` header. The tests pin its
/// output against values botocore's `SigV4Auth` computed for the same request.
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// What signing produced, kept apart so tests can compare each step.
    public struct Signature: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        /// Every header to send: the given ones plus `Host`, `X-Amz-Date`, (the session token)
        /// and `Authorization`.
        public var headers: [(String, String)]
    }

    /// Signs a request to `url` (absolute, no query) with `headers` (besides Host and
    /// X-Amz-Date, which are added) and `body`, at `timeMs`.
    public func sign(method: String, url: String, headers: [(String, String)], body: [UInt8], timeMs: Int64) -> Signature {
        let components = URLComponents(string: url)
        let host = components.map { parts in parts.port.map { "\(parts.host ?? ""):\($0)" } ?? (parts.host ?? "") } ?? ""
        let path = components?.percentEncodedPath ?? "/"
        let amzDate = UTCDateTime(ms: timeMs).basic
        let date = String(amzDate.prefix(8))
        var all = headers
        all.append(("Host", host))
        all.append(("X-Amz-Date", amzDate))
        if let token = credentials.sessionToken { all.append(("X-Amz-Security-Token", token)) }
        // Lowercase names, values trimmed with inner runs of spaces made one, sorted by name.
        let canonical: [(name: String, value: String)] = all.map { (name: $0.0.lowercased(), value: $0.1.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")) }
            .sorted { $0.name < $1.name }
        let signedHeaders = canonical.map(\.name).joined(separator: ";")
        let canonicalRequest = [
            method,
            Self.canonicalPath(path),
            "",  // no query string: PutMetricData's parameters are in the form body
            canonical.map { "\($0.name):\($0.value)\n" }.joined(),
            signedHeaders,
            Hex.encode(Array(SHA256.hash(data: body))),
        ].joined(separator: "\n")
        let scope = "\(date)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Hex.encode(Array(SHA256.hash(data: Array(canonicalRequest.utf8))))].joined(separator: "\n")
        var key = SymmetricKey(data: Array(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key)))
        all.append((
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        ))
        return Signature(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature, headers: all)
    }

    /// The path as AWS services other than S3 canonicalize it: each segment percent-encoded again.
    static func canonicalPath(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        return path.split(separator: "/", omittingEmptySubsequences: false).map { AWSEncoding.percent(String($0)) }.joined(separator: "/")
    }
}

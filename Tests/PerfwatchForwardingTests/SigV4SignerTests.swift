import PerfwatchForwarding
import Testing

/// Signature V4 against values botocore 1.43's `SigV4Auth` computed for the same requests
/// (canonical_request, string_to_sign and signature with the timestamp fixed), pinned here.
@Suite("AWS Signature V4")
struct SigV4SignerTests {
    static let body = Array(
        "Action=PutMetricData&Version=2010-08-01&Namespace=Perfwatch&MetricData.member.1.MetricName=http.server.duration&MetricData.member.1.Value=12.5"
            .utf8)
    static let contentType = ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")

    @Test func matchesBotocoreForCloudWatch() {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            region: "eu-west-1", service: "monitoring")
        // 2026-12-01T09:30:00Z
        let signed = signer.sign(
            method: "POST", url: "https://monitoring.eu-west-1.amazonaws.com/", headers: [Self.contentType], body: Self.body, timeMs: 1_796_117_400_000)
        #expect(
            signed.canonicalRequest
                == "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:monitoring.eu-west-1.amazonaws.com\nx-amz-date:20261201T093000Z\n\ncontent-type;host;x-amz-date\n18513c5542f76cf35c8f7e1f74f66b4de28e8de175501d52d0810fc25f80e30b"
        )
        #expect(
            signed.stringToSign
                == "AWS4-HMAC-SHA256\n20261201T093000Z\n20261201/eu-west-1/monitoring/aws4_request\n5ce015fdf89438479396bebc94168ea60dc2ca16e1253b7631d8f5c284fa32f9"
        )
        #expect(signed.signature == "b0e93e849d622171bb59f15fda30a52175a969018c7572653ec20c49851e8ba7")
        let authorization = signed.headers.first { $0.0 == "Authorization" }?.1
        #expect(
            authorization
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/eu-west-1/monitoring/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=b0e93e849d622171bb59f15fda30a52175a969018c7572653ec20c49851e8ba7"
        )
        #expect(signed.headers.contains { $0.0 == "X-Amz-Date" && $0.1 == "20261201T093000Z" })
    }

    @Test func signsHostWithPortAndSessionToken() {
        let signer = SigV4Signer(
            credentials: AWSCredentials(
                accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "SESSIONTOKEN123"),
            region: "us-east-1", service: "monitoring")
        // 2026-01-02T03:04:05Z
        let signed = signer.sign(method: "POST", url: "http://127.0.0.1:9999/", headers: [Self.contentType], body: Self.body, timeMs: 1_767_323_045_000)
        #expect(signed.canonicalRequest.contains("host:127.0.0.1:9999\nx-amz-date:20260102T030405Z\nx-amz-security-token:SESSIONTOKEN123\n"))
        #expect(signed.signature == "33f995a7f555cbf20de0e081550292c725c75028d8f065a5ca97f17cc6f0a149")
    }

    @Test func anotherSecretGivesAnotherSignature() {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEz"),
            region: "eu-west-1", service: "monitoring")
        let signed = signer.sign(
            method: "POST", url: "https://monitoring.eu-west-1.amazonaws.com/", headers: [Self.contentType], body: Self.body, timeMs: 1_796_117_400_000)
        #expect(signed.signature != "b0e93e849d622171bb59f15fda30a52175a969018c7572653ec20c49851e8ba7")
    }
}

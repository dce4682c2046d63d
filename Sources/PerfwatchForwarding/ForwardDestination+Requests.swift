public import PerfwatchHTTPClient

extension ForwardDestination {
    /// The encoder for this destination's format.
    public var encoder: any ForwardEncoder {
        switch kind {
        case .otlp(_, _, let gzip): return OTLPForwardEncoder(gzip: gzip)
        case .datadog: return DatadogSeriesEncoder()
        case .cloudwatch(let target): return CloudWatchEncoder(namespace: target.namespace)
        }
    }

    /// The HTTP request that sends one spooled body, made (and for CloudWatch signed) at `timeMs`.
    public func request(signal: ForwardSignal, body: [UInt8], timeMs: Int64) -> OutboundRequest {
        switch kind {
        case .otlp(let metricsURL, let tracesURL, let gzip):
            var headers = [("Content-Type", "application/x-protobuf")]
            if gzip { headers.append(("Content-Encoding", "gzip")) }
            return OutboundRequest(
                method: "POST", url: signal == .metrics ? metricsURL : tracesURL, headers: headers + self.headers, body: body, timeout: timeout,
                maxResponseBytes: 64 << 10)
        case .datadog(let seriesURL, let apiKey):
            let headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip"), ("DD-API-KEY", apiKey)]
            return OutboundRequest(method: "POST", url: seriesURL, headers: headers, body: body, timeout: timeout, maxResponseBytes: 64 << 10)
        case .cloudwatch(let target):
            let signer = SigV4Signer(credentials: target.credentials, region: target.region, service: "monitoring")
            let signed = signer.sign(
                method: "POST", url: target.endpoint, headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: body,
                timeMs: timeMs)
            return OutboundRequest(method: "POST", url: target.endpoint, headers: signed.headers, body: body, timeout: timeout, maxResponseBytes: 64 << 10)
        }
    }
}

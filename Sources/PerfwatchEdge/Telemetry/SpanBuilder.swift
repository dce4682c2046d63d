import Foundation
import PerfwatchOTLP

/// One SERVER span per proxied request, with the attributes the contract names
/// (docs/edge.md#telemetry): what the server derives edge metrics from.
enum SpanBuilder {
    static func span(_ exchange: EdgeExchange) -> Opentelemetry_Proto_Trace_V1_Span {
        var span = Opentelemetry_Proto_Trace_V1_Span()
        span.traceID = Data(exchange.trace.traceId)
        span.spanID = Data(exchange.trace.spanId)
        if let parent = exchange.trace.parentSpanId { span.parentSpanID = Data(parent) }
        span.name = "\(exchange.method) \(exchange.route)"
        span.kind = .server
        span.startTimeUnixNano = exchange.startUnixNanos
        span.endTimeUnixNano = exchange.startUnixNanos + exchange.durationNanos
        var attributes: [Opentelemetry_Proto_Common_V1_KeyValue] = [
            .string("http.route", exchange.route),
            .string("http.request.method", exchange.method),
            .int("http.response.status_code", Int64(exchange.status)),
            .string("url.path", exchange.path),
            .string("perfwatch.edge.upstream", exchange.upstream),
            .string("perfwatch.edge.cache", exchange.cache),
            .int("perfwatch.edge.bytes_out", Int64(exchange.bytesOut)),
            .int("perfwatch.edge.bytes_upstream", Int64(exchange.bytesUpstream)),
            .string("perfwatch.edge.content_type", exchange.contentType),
            .string("perfwatch.edge.content_encoding", exchange.contentEncoding),
            .string("perfwatch.edge.cache_control", exchange.cacheControl),
            .string("perfwatch.edge.set_cookie", exchange.setCookie ? "true" : "false"),
            .string("perfwatch.edge.authorized", exchange.authorized ? "true" : "false"),
            .string("perfwatch.edge.cookie", exchange.cookie ? "true" : "false"),
        ]
        if let brotli = exchange.brotliBytes { attributes.append(.int("perfwatch.edge.brotli_bytes", Int64(brotli))) }
        if let avif = exchange.avifBytes { attributes.append(.int("perfwatch.edge.avif_bytes", Int64(avif))) }
        if !exchange.repeatKind.isEmpty { attributes.append(.string("perfwatch.edge.repeat", exchange.repeatKind)) }
        span.attributes = attributes
        if exchange.status >= 500 || exchange.failed { span.status.code = .error }
        return span
    }

    static func request(
        _ spans: [Opentelemetry_Proto_Trace_V1_Span], service: String, instance: String
    ) -> Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest {
        var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
        resourceSpans.resource.attributes = [.string("service.name", service), .string("service.instance.id", instance)]
        var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
        scope.scope.name = "perfwatch.edge"
        scope.spans = spans
        resourceSpans.scopeSpans = [scope]
        var request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest()
        request.resourceSpans = [resourceSpans]
        return request
    }
}

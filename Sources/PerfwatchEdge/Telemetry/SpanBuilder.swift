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
        var attributes = [
            attribute("http.route", exchange.route),
            attribute("http.request.method", exchange.method),
            attribute("http.response.status_code", Int64(exchange.status)),
            attribute("url.path", exchange.path),
            attribute("perfwatch.edge.upstream", exchange.upstream),
            attribute("perfwatch.edge.cache", exchange.cache),
            attribute("perfwatch.edge.bytes_out", Int64(exchange.bytesOut)),
            attribute("perfwatch.edge.bytes_upstream", Int64(exchange.bytesUpstream)),
            attribute("perfwatch.edge.content_type", exchange.contentType),
            attribute("perfwatch.edge.content_encoding", exchange.contentEncoding),
            attribute("perfwatch.edge.cache_control", exchange.cacheControl),
            attribute("perfwatch.edge.set_cookie", exchange.setCookie ? "true" : "false"),
            attribute("perfwatch.edge.authorized", exchange.authorized ? "true" : "false"),
            attribute("perfwatch.edge.cookie", exchange.cookie ? "true" : "false"),
        ]
        if !exchange.repeatKind.isEmpty { attributes.append(attribute("perfwatch.edge.repeat", exchange.repeatKind)) }
        span.attributes = attributes
        if exchange.status >= 500 || exchange.failed { span.status.code = .error }
        return span
    }

    static func request(
        _ spans: [Opentelemetry_Proto_Trace_V1_Span], service: String, instance: String
    ) -> Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest {
        var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
        resourceSpans.resource.attributes = [attribute("service.name", service), attribute("service.instance.id", instance)]
        var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
        scope.scope.name = "perfwatch.edge"
        scope.spans = spans
        resourceSpans.scopeSpans = [scope]
        var request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest()
        request.resourceSpans = [resourceSpans]
        return request
    }

    static func attribute(_ key: String, _ value: String) -> Opentelemetry_Proto_Common_V1_KeyValue {
        var pair = Opentelemetry_Proto_Common_V1_KeyValue()
        pair.key = key
        pair.value.stringValue = value
        return pair
    }

    static func attribute(_ key: String, _ value: Int64) -> Opentelemetry_Proto_Common_V1_KeyValue {
        var pair = Opentelemetry_Proto_Common_V1_KeyValue()
        pair.key = key
        pair.value.intValue = value
        return pair
    }
}

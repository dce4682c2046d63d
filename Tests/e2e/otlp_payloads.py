"""OTLP request bodies built by hand for the robustness suites (regressions, fuzz seeds, kill
rounds): traces and metrics, protobuf (opentelemetry-proto messages) and JSON, including the
hostile shapes issue 13 reproduced — attribute values nested as kvlist/array, and histogram
counts at or beyond 2^63."""

from __future__ import annotations

import json
import time

from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2
from opentelemetry.proto.resource.v1 import resource_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

PROTOBUF = {"Content-Type": "application/x-protobuf"}
JSON = {"Content-Type": "application/json"}
MS = 1_000_000


# -- attribute values nested `depth` levels deep (kvlist and array alternating) -----------
# The protobuf form is encoded by hand: the Python protobuf runtime refuses to build messages
# nested beyond 100 levels, and a hostile client has no such scruple.

def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def pb_field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


class RawAnyValue(bytes):
    """An encoded `AnyValue`, for attribute values the protobuf runtime cannot build."""


def nested_pb_value(depth: int) -> RawAnyValue:
    # Quotes in the innermost string: anything that re-escapes per level pays for them twice per level.
    value = common_pb2.AnyValue(string_value='"quoted" \\ value').SerializeToString()
    for level in range(depth):
        if level % 2 == 0:  # AnyValue.kvlist_value(6) { KeyValueList.values(1) { key(1), value(2) } }
            value = pb_field(6, pb_field(1, pb_field(1, b"k") + pb_field(2, value)))
        else:  # AnyValue.array_value(5) { ArrayValue.values(1) }
            value = pb_field(5, pb_field(1, value))
    return RawAnyValue(value)


def _raw_attributes(field_number: int, attributes: dict) -> bytes:
    return b"".join(pb_field(field_number, pb_field(1, k.encode()) + pb_field(2, v))
                    for k, v in attributes.items() if isinstance(v, RawAnyValue))


def nested_json_value(depth: int) -> dict:
    value: dict = {"stringValue": '"quoted" \\ value'}
    for level in range(depth):
        if level % 2 == 0:
            value = {"kvlistValue": {"values": [{"key": "k", "value": value}]}}
        else:
            value = {"arrayValue": {"values": [value]}}
    return value


# -- traces -----------------------------------------------------------------------------

def pb_kv(key: str, value) -> common_pb2.KeyValue:
    if isinstance(value, bool):
        v = common_pb2.AnyValue(bool_value=value)
    elif isinstance(value, int):
        v = common_pb2.AnyValue(int_value=value)
    else:
        v = common_pb2.AnyValue(string_value=str(value))
    return common_pb2.KeyValue(key=key, value=v)


def json_kv(key: str, value) -> dict:
    if isinstance(value, dict):
        return {"key": key, "value": value}
    if isinstance(value, int) and not isinstance(value, bool):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": str(value)}}


def pb_traces(service: str, spans: list[dict]) -> bytes:
    """`spans`: dicts with trace_id (32 hex), span_id (16 hex), name, start_ns, end_ns, and
    optional attributes (values may be `RawAnyValue`) and parent (16 hex)."""
    encoded = b""
    for s in spans:
        attributes = s.get("attributes", {})
        span = trace_pb2.Span(
            trace_id=bytes.fromhex(s["trace_id"]), span_id=bytes.fromhex(s["span_id"]),
            parent_span_id=bytes.fromhex(s.get("parent", "")), name=s["name"],
            kind=trace_pb2.Span.SPAN_KIND_SERVER, start_time_unix_nano=s["start_ns"], end_time_unix_nano=s["end_ns"],
            attributes=[pb_kv(k, v) for k, v in attributes.items() if not isinstance(v, RawAnyValue)],
        )
        # Concatenated fields are how protobuf appends to a message: Span.attributes is field 9.
        encoded += pb_field(2, span.SerializeToString() + _raw_attributes(9, attributes))  # ScopeSpans.spans
    resource = resource_pb2.Resource(attributes=[pb_kv("service.name", service)]).SerializeToString()
    # ExportTraceServiceRequest.resource_spans(1) { resource(1), scope_spans(2) }
    return pb_field(1, pb_field(1, resource) + pb_field(2, encoded))


def json_traces(service: str, spans: list[dict]) -> bytes:
    out = []
    for s in spans:
        span = {"traceId": s["trace_id"], "spanId": s["span_id"], "name": s["name"], "kind": 2,
                "startTimeUnixNano": str(s["start_ns"]), "endTimeUnixNano": str(s["end_ns"]),
                "attributes": [json_kv(k, v) for k, v in s.get("attributes", {}).items()]}
        if s.get("parent"):
            span["parentSpanId"] = s["parent"]
        out.append(span)
    body = {"resourceSpans": [{"resource": {"attributes": [json_kv("service.name", service)]},
                               "scopeSpans": [{"scope": {"name": "perfwatch-e2e"}, "spans": out}]}]}
    return json.dumps(body).encode()


def simple_span(trace_id: str, span_id: str, name: str = "GET /hold", duration_ms: int = 12, **attributes) -> dict:
    start = time.time_ns() - 5_000 * MS
    attrs = {"http.route": "/hold", "http.request.method": "GET", "http.response.status_code": 200}
    attrs.update(attributes)
    return {"trace_id": trace_id, "span_id": span_id, "name": name, "start_ns": start, "end_ns": start + duration_ms * MS,
            "attributes": attrs}


# -- metrics ----------------------------------------------------------------------------

def pb_gauge_metrics(name: str, value: float, attributes: dict | None = None) -> bytes:
    attributes = attributes or {}
    point = metrics_pb2.NumberDataPoint(time_unix_nano=time.time_ns(), as_double=value,
                                        attributes=[pb_kv(k, v) for k, v in attributes.items() if not isinstance(v, RawAnyValue)])
    point_bytes = point.SerializeToString() + _raw_attributes(7, attributes)  # NumberDataPoint.attributes is field 7
    metric = metrics_pb2.Metric(name=name).SerializeToString() + pb_field(5, pb_field(1, point_bytes))  # gauge { data_points }
    resource = resource_pb2.Resource(attributes=[pb_kv("service.name", "hold")]).SerializeToString()
    # ExportMetricsServiceRequest.resource_metrics(1) { resource(1), scope_metrics(2) { metrics(2) } }
    return pb_field(1, pb_field(1, resource) + pb_field(2, pb_field(2, metric)))


def json_gauge_metrics(name: str, value: float, attributes: dict | None = None) -> bytes:
    point = {"timeUnixNano": str(time.time_ns()), "asDouble": value,
             "attributes": [json_kv(k, v) for k, v in (attributes or {}).items()]}
    return _json_metrics([{"name": name, "gauge": {"dataPoints": [point]}}])


def pb_histogram_metrics(name: str, count: int, bucket_counts: list[int], bounds: list[float], total: float) -> bytes:
    now = time.time_ns()
    point = metrics_pb2.HistogramDataPoint(start_time_unix_nano=now - 10_000 * MS, time_unix_nano=now, count=count, sum=total,
                                           bucket_counts=bucket_counts, explicit_bounds=bounds)
    histogram = metrics_pb2.Histogram(data_points=[point],
                                      aggregation_temporality=metrics_pb2.AGGREGATION_TEMPORALITY_DELTA)
    return _pb_metrics([metrics_pb2.Metric(name=name, unit="ms", histogram=histogram)])


def json_histogram_metrics(name: str, count: int, bucket_counts: list[int], bounds: list[float], total: float) -> bytes:
    now = time.time_ns()
    point = {"startTimeUnixNano": str(now - 10_000 * MS), "timeUnixNano": str(now), "count": str(count), "sum": total,
             "bucketCounts": [str(c) for c in bucket_counts], "explicitBounds": bounds}
    return _json_metrics([{"name": name, "unit": "ms", "histogram": {"aggregationTemporality": 1, "dataPoints": [point]}}])


def _pb_metrics(metrics: list) -> bytes:
    request = metrics_service_pb2.ExportMetricsServiceRequest(resource_metrics=[metrics_pb2.ResourceMetrics(
        resource=resource_pb2.Resource(attributes=[pb_kv("service.name", "hold")]),
        scope_metrics=[metrics_pb2.ScopeMetrics(metrics=metrics)],
    )])
    return request.SerializeToString()


def _json_metrics(metrics: list) -> bytes:
    body = {"resourceMetrics": [{"resource": {"attributes": [json_kv("service.name", "hold")]},
                                 "scopeMetrics": [{"metrics": metrics}]}]}
    return json.dumps(body).encode()


def rejected_points(response) -> int:
    """`partial_success.rejected_data_points` (or rejected spans) of an OTLP export response, 0 if none."""
    if response.headers.get("Content-Type", "").startswith("application/json"):
        body = response.json() if response.content else {}
        partial = body.get("partialSuccess") or {}
        return int(partial.get("rejectedDataPoints") or partial.get("rejectedSpans") or 0)
    reply = metrics_service_pb2.ExportMetricsServiceResponse.FromString(response.content)
    return reply.partial_success.rejected_data_points

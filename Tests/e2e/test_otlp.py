"""End-to-end tests of OTLP/HTTP trace ingest (`POST /v1/traces`) and the trace APIs built on it.

Spans are sent by the real OpenTelemetry Python SDK (TracerProvider + OTLPSpanExporter, binary
protobuf, with and without gzip), by hand-written OTLP/JSON, and as raw (sometimes broken)
protobuf built with the opentelemetry-proto messages. The checks then read everything back
through the HTTP API: /api/v1/traces, /api/v1/traces/{id}, /api/v1/query (the derived RED and
database metrics), /api/v1/routes and /api/v1/db/queries.

Every test uses service names of its own, so the tests share the session server without
seeing each other's data (the global trace list is only compared in the empty-body test).
"""

from __future__ import annotations

import gzip
import json
import pathlib
import os
import time
import uuid

import pytest
import requests
import requests.structures
from google.protobuf.message import DecodeError
from google.rpc import status_pb2
from opentelemetry import trace as otel_trace
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.resource.v1 import resource_pb2
from opentelemetry.proto.trace.v1 import trace_pb2
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

MS = 1_000_000  # nanoseconds
PROTOBUF = {"Content-Type": "application/x-protobuf"}
JSON = {"Content-Type": "application/json"}
TRUNCATION_MARKER = "…[truncated]"


# ---------------------------------------------------------------------------- helpers


def ok_json(r: requests.Response) -> dict:
    assert r.status_code == 200, f"{r.request.method} {r.url} -> {r.status_code}: {r.text[:500]}"
    return r.json()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def hex_id(n_bytes: int) -> str:
    """A random, non-zero id as lowercase hex."""
    while True:
        b = os.urandom(n_bytes)
        if any(b):
            return b.hex()


def assert_server_up(server) -> None:
    r = requests.get(server.url + "/healthz", timeout=5)
    assert r.status_code == 200, f"/healthz -> {r.status_code} {r.text[:200]}"
    assert server.proc.poll() is None, "server process exited"


def get_trace(server, trace_id: str) -> dict:
    body = ok_json(server.get(f"/api/v1/traces/{trace_id}"))
    assert body["traceId"] == trace_id, body
    return body


def spans_by_name(trace_body: dict) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for s in trace_body["spans"]:
        assert s["name"] not in out, f"span name {s['name']!r} twice in {trace_body}"
        out[s["name"]] = s
    return out


def list_traces(server, **params) -> list[dict]:
    params.setdefault("from_", "-1h")
    params.setdefault("limit", 1000)
    return ok_json(server.get("/api/v1/traces", **params))["traces"]


def series_by(body: dict, tag: str) -> dict[str, float]:
    """{tag value: the single value} of a query without step."""
    out = {}
    for s in body["series"]:
        assert len(s["points"]) == 1, f"expected one point per series without step: {s}"
        out[s["tags"].get(tag)] = s["points"][0][1]
    return out


def query_by(server, metric: str, stat: str, by: str, service: str) -> dict[str, float]:
    body = ok_json(server.query(metric, stat, from_="-1h", to="now", by=by, where=f"service={service}"))
    return series_by(body, by)


def approx(got: float, want: float, rel: float = 0.01) -> bool:
    return abs(got - want) <= rel * abs(want) + 1e-9


def otlp_json_span(trace_id: str, span_id: str, name: str, start_ns: int, end_ns: int, **extra) -> dict:
    span = {
        "traceId": trace_id,
        "spanId": span_id,
        "name": name,
        "kind": 2,
        "startTimeUnixNano": str(start_ns),
        "endTimeUnixNano": str(end_ns),
    }
    span.update(extra)
    return span


def otlp_json_request(service: str, spans: list[dict], version: str | None = None) -> dict:
    attrs = [{"key": "service.name", "value": {"stringValue": service}}]
    if version is not None:
        attrs.append({"key": "service.version", "value": {"stringValue": version}})
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": attrs},
                "scopeSpans": [{"scope": {"name": "perfwatch-e2e", "version": "1"}, "spans": spans}],
            }
        ]
    }


def kv(key: str, value) -> common_pb2.KeyValue:
    if isinstance(value, bool):
        v = common_pb2.AnyValue(bool_value=value)
    elif isinstance(value, int):
        v = common_pb2.AnyValue(int_value=value)
    elif isinstance(value, float):
        v = common_pb2.AnyValue(double_value=value)
    else:
        v = common_pb2.AnyValue(string_value=value)
    return common_pb2.KeyValue(key=key, value=v)


def pb_span(name: str, *, trace_id: str | None = None, attributes: dict | None = None, duration_ms: int = 12) -> trace_pb2.Span:
    start = time.time_ns() - 5_000 * MS
    return trace_pb2.Span(
        trace_id=bytes.fromhex(trace_id or hex_id(16)),
        span_id=bytes.fromhex(hex_id(8)),
        name=name,
        kind=trace_pb2.Span.SPAN_KIND_SERVER,
        start_time_unix_nano=start,
        end_time_unix_nano=start + duration_ms * MS,
        attributes=[kv(k, v) for k, v in (attributes or {}).items()],
    )


def pb_request(service: str, spans: list[trace_pb2.Span]) -> trace_service_pb2.ExportTraceServiceRequest:
    return trace_service_pb2.ExportTraceServiceRequest(
        resource_spans=[
            trace_pb2.ResourceSpans(
                resource=resource_pb2.Resource(attributes=[kv("service.name", service)]),
                scope_spans=[trace_pb2.ScopeSpans(spans=spans)],
            )
        ]
    )


def post_protobuf(server, body: bytes, headers: dict | None = None) -> requests.Response:
    return server.post("/v1/traces", data=body, headers={**PROTOBUF, **(headers or {})})


def assert_protobuf_success(r: requests.Response) -> None:
    assert r.status_code == 200, f"POST /v1/traces -> {r.status_code}: {r.content[:300]!r}"
    assert r.headers.get("Content-Type", "").startswith("application/x-protobuf"), r.headers
    resp = trace_service_pb2.ExportTraceServiceResponse.FromString(r.content)
    assert not resp.HasField("partial_success"), f"unexpected partial success: {resp}"


def assert_protobuf_status(r: requests.Response, http_status: int, grpc_code: int) -> status_pb2.Status:
    assert r.status_code == http_status, f"POST /v1/traces -> {r.status_code} (expected {http_status}): {r.content[:300]!r}"
    assert r.headers.get("Content-Type", "").startswith("application/x-protobuf"), r.headers
    st = status_pb2.Status.FromString(r.content)
    assert st.code == grpc_code, f"google.rpc.Status code {st.code}, expected {grpc_code}: {st}"
    assert st.message.strip(), f"google.rpc.Status without a message: {st}"
    return st


# ---------------------------------------------------------------------------- SDK export


class ExportRecorder:
    """Response hook on the exporter's requests.Session: what the SDK sent and got back."""

    def __init__(self) -> None:
        self.exchanges: list[tuple[requests.structures.CaseInsensitiveDict, int, bytes]] = []

    def __call__(self, response: requests.Response, *args, **kwargs) -> None:
        self.exchanges.append((requests.structures.CaseInsensitiveDict(response.request.headers), response.status_code, response.content))


LESSON_ROUTE = "/courses/{course_id}/lessons"
ENROLL_ROUTE = "/courses/{course_id}/enroll"
LESSON_QUERIES = [
    "SELECT * FROM lessons WHERE course_id = 42",
    "SELECT * FROM lessons WHERE course_id = 7",
]


def emit_sdk_traces(tracer, base_ns: int) -> dict:
    """Three GET lesson requests (each: server span, two postgres queries, a render span)
    and two POST enroll requests, the second one failing. Explicit times (ms offsets from
    `base_ns`) make durations and self times exact."""

    def at(ms: float) -> int:
        return base_ns + int(ms * MS)

    lessons = []
    for i in range(3):
        t = i * 200
        server_span = tracer.start_span(
            "GET " + LESSON_ROUTE,
            kind=SpanKind.SERVER,
            start_time=at(t),
            attributes={
                "http.route": LESSON_ROUTE,
                "http.request.method": "GET",
                "http.response.status_code": 200,
                "url.path": f"/courses/{42 + i}/lessons",
            },
        )
        ctx = otel_trace.set_span_in_context(server_span)
        for (offset, length), statement in zip([(10, 20), (40, 30)], LESSON_QUERIES):
            db = tracer.start_span(
                "SELECT lessons",
                context=ctx,
                kind=SpanKind.CLIENT,
                start_time=at(t + offset),
                attributes={"db.system": "postgresql", "db.statement": statement, "db.name": "school"},
            )
            db.end(end_time=at(t + offset + length))
        render = tracer.start_span("render lessons", context=ctx, kind=SpanKind.INTERNAL, start_time=at(t + 75))
        render.end(end_time=at(t + 95))
        server_span.set_status(Status(StatusCode.OK))
        server_span.end(end_time=at(t + 100))
        lessons.append(format(server_span.get_span_context().trace_id, "032x"))

    enrolls = []
    for i, (status, duration) in enumerate([(201, 50), (500, 80)]):
        t = 1000 + i * 200
        server_span = tracer.start_span(
            "POST " + ENROLL_ROUTE,
            kind=SpanKind.SERVER,
            start_time=at(t),
            attributes={"http.route": ENROLL_ROUTE, "http.request.method": "POST", "http.response.status_code": status},
        )
        ctx = otel_trace.set_span_in_context(server_span)
        check = tracer.start_span("check seats", context=ctx, kind=SpanKind.INTERNAL, start_time=at(t + 5))
        check.end(end_time=at(t + 15))
        if status >= 500:
            server_span.record_exception(RuntimeError("no seats left"), timestamp=at(t + 20))
            server_span.set_status(Status(StatusCode.ERROR, "no seats left"))
        server_span.end(end_time=at(t + duration))
        enrolls.append(format(server_span.get_span_context().trace_id, "032x"))
    return {"lessons": lessons, "enrolls": enrolls}


@pytest.mark.parametrize("variant", ["protobuf", "protobuf-gzip"])
def test_sdk_export_traces_and_derived_metrics(server, variant):
    gzip_on = variant.endswith("gzip")
    service = unique(f"otlp-sdk-{variant}")
    recorder = ExportRecorder()
    session = requests.Session()
    session.hooks["response"].append(recorder)
    exporter = OTLPSpanExporter(
        endpoint=server.url + "/v1/traces",
        compression=Compression.Gzip if gzip_on else Compression.NoCompression,
        session=session,
        timeout=30,
    )
    # Both processors: one export request per span, and one batched request.
    processor = BatchSpanProcessor(exporter) if gzip_on else SimpleSpanProcessor(exporter)
    provider = TracerProvider(resource=Resource.create({"service.name": service, "service.version": "1.2.3"}))
    provider.add_span_processor(processor)
    tracer = provider.get_tracer("perfwatch-e2e")

    base_ns = time.time_ns() - 10_000 * MS
    ids = emit_sdk_traces(tracer, base_ns)
    assert provider.force_flush(30_000), "force_flush timed out"
    provider.shutdown()

    # What went over the wire: real SDK requests, all answered 200 with an empty response.
    assert recorder.exchanges, "the exporter sent nothing"
    for headers, status, content in recorder.exchanges:
        assert status == 200, f"export answered {status}: {content[:300]!r}"
        assert headers.get("Content-Type") == "application/x-protobuf", headers
        if gzip_on:
            assert headers.get("Content-Encoding") == "gzip", headers
        else:
            assert "Content-Encoding" not in headers, headers
        resp = trace_service_pb2.ExportTraceServiceResponse.FromString(content)
        assert not resp.HasField("partial_success"), resp
    if not gzip_on:
        assert len(recorder.exchanges) == 3 * 4 + 2 * 2, "SimpleSpanProcessor sends one request per span"

    # -- every span arrived, with its parent links: the lesson waterfall
    for trace_id in ids["lessons"]:
        body = get_trace(server, trace_id)
        assert len(body["spans"]) == 4, body
        spans = spans_by_name({"spans": [s for s in body["spans"] if s["name"] != "SELECT lessons"]})
        db_spans = sorted((s for s in body["spans"] if s["name"] == "SELECT lessons"), key=lambda s: s["startTime"])
        assert len(db_spans) == 2, body
        root = spans["GET " + LESSON_ROUTE]
        render = spans["render lessons"]
        assert root["parentSpanId"] == "", root
        assert root["kind"] == "server" and root["service"] == service and root["status"] == "ok", root
        assert len(root["spanId"]) == 16, root
        for child in db_spans + [render]:
            assert child["parentSpanId"] == root["spanId"], (child, root)
            assert child["service"] == service, child
        assert [s["kind"] for s in db_spans] == ["client", "client"], db_spans
        assert render["kind"] == "internal", render
        assert root["attributes"].get("http.route") == LESSON_ROUTE, root
        assert root["attributes"].get("http.request.method") == "GET", root
        assert str(root["attributes"].get("http.response.status_code")) == "200", root
        assert db_spans[0]["attributes"].get("db.statement") == LESSON_QUERIES[0], db_spans[0]
        assert db_spans[1]["attributes"].get("db.system") == "postgresql", db_spans[1]

        # Waterfall shape: offsets and durations relative to the root, in ms.
        t0 = root["startTime"]
        shape = [(round(s["startTime"] - t0, 3), round(s["durationMs"], 3)) for s in db_spans + [render]]
        assert shape == [(10, 20), (40, 30), (75, 20)], shape
        assert approx(root["durationMs"], 100), root
        for s in body["spans"]:
            assert 0 <= s["selfTimeMs"] <= s["durationMs"] + 1e-6, s
            assert s["startTime"] >= t0, s
            assert s["startTime"] + s["durationMs"] <= t0 + root["durationMs"] + 1e-6, s
        assert approx(root["selfTimeMs"], 100 - 20 - 30 - 20), root
        for s in db_spans + [render]:
            assert approx(s["selfTimeMs"], s["durationMs"]), s

    ok_enroll, err_enroll = ids["enrolls"]
    body = get_trace(server, ok_enroll)
    assert len(body["spans"]) == 2, body
    spans = spans_by_name(body)
    assert spans["check seats"]["parentSpanId"] == spans["POST " + ENROLL_ROUTE]["spanId"]
    assert spans["POST " + ENROLL_ROUTE]["status"] in ("unset", "ok")

    body = get_trace(server, err_enroll)
    spans = spans_by_name(body)
    root = spans["POST " + ENROLL_ROUTE]
    assert root["status"] == "error" and root["statusMessage"] == "no seats left", root
    assert approx(root["durationMs"], 80) and approx(root["selfTimeMs"], 70), root
    assert [e["name"] for e in root["events"]] == ["exception"], root["events"]
    assert "no seats left" in json.dumps(root["events"][0]["attributes"]), root["events"]

    # -- trace search: root spans only, one per trace
    listed = list_traces(server, service=service)
    assert sorted(t["traceId"] for t in listed) == sorted(ids["lessons"] + ids["enrolls"]), listed
    by_id = {t["traceId"]: t for t in listed}
    for trace_id in ids["lessons"]:
        t = by_id[trace_id]
        assert t["spanCount"] == 4 and t["error"] is False and t["route"] == LESSON_ROUTE, t
        assert t["service"] == service and approx(t["durationMs"], 100), t
    assert by_id[ok_enroll]["spanCount"] == 2 and by_id[ok_enroll]["error"] is False
    assert by_id[err_enroll]["spanCount"] == 2 and by_id[err_enroll]["error"] is True
    errors = list_traces(server, service=service, status="error")
    assert [t["traceId"] for t in errors] == [err_enroll], errors
    slow = list_traces(server, service=service, min_duration=90, order="duration")
    assert sorted(t["traceId"] for t in slow) == sorted(ids["lessons"]), slow
    only_enroll = list_traces(server, service=service, route=ENROLL_ROUTE)
    assert sorted(t["traceId"] for t in only_enroll) == sorted(ids["enrolls"]), only_enroll
    by_duration = list_traces(server, service=service, order="duration")
    durations = [t["durationMs"] for t in by_duration]
    assert durations == sorted(durations, reverse=True), durations
    assert len(list_traces(server, service=service, limit=2)) == 2

    # -- RED metrics derived from the SERVER spans
    counts = query_by(server, "http.server.duration", "count", "route", service)
    assert counts == {LESSON_ROUTE: 3, ENROLL_ROUTE: 2}, counts
    maxes = query_by(server, "http.server.duration", "max", "route", service)
    assert approx(maxes[LESSON_ROUTE], 100) and approx(maxes[ENROLL_ROUTE], 80), maxes
    assert query_by(server, "http.server.duration", "count", "method", service) == {"GET": 3, "POST": 2}
    assert query_by(server, "http.server.duration", "count", "status_class", service) == {"2xx": 4, "5xx": 1}
    assert query_by(server, "http.server.duration", "count", "version", service) == {"1.2.3": 5}
    errors_by_route = query_by(server, "http.server.errors", "sum", "route", service)
    assert errors_by_route == {ENROLL_ROUTE: 1}, errors_by_route

    routes = [r for r in ok_json(server.get("/api/v1/routes", from_="-1h"))["routes"] if r["service"] == service]
    by_route = {r["route"]: r for r in routes}
    assert set(by_route) == {LESSON_ROUTE, ENROLL_ROUTE}, routes
    lessons = by_route[LESSON_ROUTE]
    assert lessons["requests"] == 3 and lessons["errorRate"] == 0, lessons
    assert lessons["rps"] > 0, lessons
    for q in ("p50", "p95", "p99"):
        assert approx(lessons[q], 100), lessons
    enroll = by_route[ENROLL_ROUTE]
    assert enroll["requests"] == 2, enroll
    assert enroll["errorRate"] in (0.5, 50), f"1 error in 2 requests, errorRate {enroll['errorRate']}"

    # -- database queries: both literals share one fingerprint
    queries = [q for q in ok_json(server.get("/api/v1/db/queries", from_="-1h"))["queries"] if q["service"] == service]
    assert len(queries) == 1, queries
    q = queries[0]
    assert q["calls"] == 6 and q["dbSystem"] == "postgresql" and q["operation"] == "SELECT", q
    assert "?" in q["statement"] and "42" not in q["statement"] and " 7" not in q["statement"], q
    assert q["statement"].upper().startswith("SELECT * FROM LESSONS WHERE COURSE_ID = ?"), q
    assert approx(q["totalMs"], 3 * (20 + 30)), q
    assert approx(q["p95"], 30), q
    fp = query_by(server, "db.query.duration", "count", "fingerprint", service)
    assert fp == {q["fingerprint"]: 6}, fp
    ops = query_by(server, "db.query.duration", "count", "db_system", service)
    assert ops == {"postgresql": 6}, ops


# ---------------------------------------------------------------------------- OTLP/JSON


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_json_span_is_stored_with_derived_metrics(server, compressed):
    service = unique("otlp-json")
    trace_id, span_id, child_id = hex_id(16), hex_id(8), hex_id(8)
    start = time.time_ns() - 3_000 * MS
    uuid_ = "550e8400-e29b-41d4-a716-446655440000"
    root = otlp_json_span(
        trace_id.upper(),  # hex is case-insensitive; stored lowercase
        span_id,
        "GET /users/:id/orders/:id",
        start,
        start + 40 * MS,
        attributes=[
            # No http.route: the route comes from the path, ids normalized. Old semconv names.
            {"key": "url.path", "value": {"stringValue": f"/users/12345/orders/{uuid_}"}},
            {"key": "http.method", "value": {"stringValue": "GET"}},
            {"key": "http.status_code", "value": {"intValue": "404"}},
            {"key": "retry", "value": {"boolValue": True}},
            {"key": "ratio", "value": {"doubleValue": 0.25}},
        ],
        status={"code": 0},
        events=[
            {"timeUnixNano": str(start + 5 * MS), "name": "cache.miss", "attributes": [{"key": "k", "value": {"stringValue": "v"}}]}
        ],
    )
    child = otlp_json_span(
        trace_id, child_id, "redis GET", start + 10 * MS, start + 15 * MS, parentSpanId=span_id, kind=3, status={"code": 1}
    )
    payload = json.dumps(otlp_json_request(service, [root, child], version="9.9")).encode()
    headers = dict(JSON)
    if compressed:
        payload = gzip.compress(payload)
        headers["Content-Encoding"] = "gzip"
    r = server.post("/v1/traces", data=payload, headers=headers)
    assert r.status_code == 200, f"{r.status_code}: {r.text[:500]}"
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    assert r.json() == {}, r.text

    body = get_trace(server, trace_id)
    spans = spans_by_name(body)
    assert set(spans) == {"GET /users/:id/orders/:id", "redis GET"}, body
    s = spans["GET /users/:id/orders/:id"]
    assert s["spanId"] == span_id and s["parentSpanId"] == "" and s["kind"] == "server" and s["status"] == "unset", s
    assert s["service"] == service, s
    assert approx(s["durationMs"], 40) and approx(s["selfTimeMs"], 35), s
    assert s["attributes"]["http.method"] == "GET" and str(s["attributes"]["http.status_code"]) == "404", s
    assert str(s["attributes"]["retry"]).lower() == "true" and float(s["attributes"]["ratio"]) == 0.25, s
    assert [e["name"] for e in s["events"]] == ["cache.miss"], s
    c = spans["redis GET"]
    assert c["parentSpanId"] == span_id and c["kind"] == "client" and c["status"] == "ok", c
    assert approx(c["durationMs"], 5) and c["selfTimeMs"] <= c["durationMs"], c

    route = "/users/:id/orders/:id"
    assert query_by(server, "http.server.duration", "count", "route", service) == {route: 1}
    assert query_by(server, "http.server.duration", "count", "status_class", service) == {"4xx": 1}
    assert query_by(server, "http.server.duration", "count", "method", service) == {"GET": 1}
    assert query_by(server, "http.server.duration", "count", "version", service) == {"9.9": 1}
    listed = list_traces(server, service=service)
    assert [(t["traceId"], t["spanCount"], t["error"]) for t in listed] == [(trace_id, 2, False)], listed


def test_trace_search_uses_the_derived_route(server):
    """A SERVER span without `http.route` is counted under the route made from its path
    (`/api/v1/routes`, `http.server.duration{route}`); trace search must show and filter by
    that same route, or drilling down from the routes table finds no traces."""
    service = unique("otlp-route-drill")
    trace_id, start = hex_id(16), time.time_ns() - 3_000 * MS
    span = otlp_json_span(
        trace_id,
        hex_id(8),
        "GET",
        start,
        start + 9 * MS,
        attributes=[
            {"key": "http.request.method", "value": {"stringValue": "GET"}},
            {"key": "url.path", "value": {"stringValue": "/invoices/98765/lines/4"}},
            {"key": "http.response.status_code", "value": {"intValue": "200"}},
        ],
    )
    r = server.post("/v1/traces", data=json.dumps(otlp_json_request(service, [span])), headers=JSON)
    assert r.status_code == 200 and r.json() == {}, f"{r.status_code}: {r.text[:300]}"
    route = "/invoices/:id/lines/:id"
    assert query_by(server, "http.server.duration", "count", "route", service) == {route: 1}
    routes = [x for x in ok_json(server.get("/api/v1/routes", from_="-1h"))["routes"] if x["service"] == service]
    assert [(x["route"], x["requests"]) for x in routes] == [(route, 1)], routes
    listed = list_traces(server, service=service)
    assert [(t["traceId"], t["route"]) for t in listed] == [(trace_id, route)], listed
    filtered = list_traces(server, service=service, route=route)
    assert [t["traceId"] for t in filtered] == [trace_id], f"GET /api/v1/traces?route={route} -> {filtered}"


def test_json_partial_success_rejects_invalid_spans(server):
    service = unique("otlp-json-partial")
    start = time.time_ns() - 2_000 * MS
    good_trace = hex_id(16)
    spans = [
        otlp_json_span(good_trace, hex_id(8), "valid", start, start + 7 * MS),
        otlp_json_span(hex_id(8), hex_id(8), "short trace id", start, start + MS),  # 16 hex chars = 8 bytes
        otlp_json_span("0" * 32, hex_id(8), "zero trace id", start, start + MS),
        otlp_json_span(hex_id(16), hex_id(8), "ends before start", start, start - MS),
        otlp_json_span("zz" + hex_id(15), hex_id(8), "bad hex", start, start + MS),
    ]
    r = server.post("/v1/traces", data=json.dumps(otlp_json_request(service, spans)), headers=JSON)
    assert r.status_code == 200, f"{r.status_code}: {r.text[:500]}"
    body = r.json()
    partial = body.get("partialSuccess")
    assert isinstance(partial, dict), body
    assert partial.get("rejectedSpans") == "4", body
    assert isinstance(partial.get("errorMessage"), str) and partial["errorMessage"].strip(), body

    stored = get_trace(server, good_trace)
    assert [s["name"] for s in stored["spans"]] == ["valid"], stored
    listed = list_traces(server, service=service)
    assert [t["traceId"] for t in listed] == [good_trace], listed
    assert query_by(server, "http.server.duration", "count", "route", service) == {"valid": 1}


def test_protobuf_partial_success(server):
    """The same partial success in the binary encoding: ExportTracePartialSuccess."""
    service = unique("otlp-pb-partial")
    good = pb_span("valid")
    zero_span_id = pb_span("zero span id")
    zero_span_id.span_id = b"\0" * 8
    short_span_id = pb_span("short span id")
    short_span_id.span_id = b"\1\2\3"
    r = post_protobuf(server, pb_request(service, [good, zero_span_id, short_span_id]).SerializeToString())
    assert r.status_code == 200, f"{r.status_code}: {r.content[:300]!r}"
    resp = trace_service_pb2.ExportTraceServiceResponse.FromString(r.content)
    assert resp.partial_success.rejected_spans == 2, resp
    assert resp.partial_success.error_message.strip(), resp
    assert [s["name"] for s in get_trace(server, good.trace_id.hex())["spans"]] == ["valid"]


# ---------------------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def otlp_baseline(server):
    """A trace stored before the bad-input tests; each of them checks it is still there."""
    service = unique("otlp-baseline")
    span = pb_span("baseline", attributes={"http.route": "/baseline"})
    assert_protobuf_success(post_protobuf(server, pb_request(service, [span]).SerializeToString()))
    info = {"service": service, "trace_id": span.trace_id.hex()}
    assert_baseline_intact(server, info)
    return info


def assert_baseline_intact(server, baseline) -> None:
    assert_server_up(server)
    body = get_trace(server, baseline["trace_id"])
    assert [s["name"] for s in body["spans"]] == ["baseline"], body
    assert [t["traceId"] for t in list_traces(server, service=baseline["service"])] == [baseline["trace_id"]]


def test_garbage_protobuf_is_400(server, otlp_baseline):
    garbage = b"this is not protobuf \xff\xfe\x00\x01"
    with pytest.raises(DecodeError):
        trace_service_pb2.ExportTraceServiceRequest.FromString(garbage)
    assert_protobuf_status(post_protobuf(server, garbage), 400, 3)
    assert_baseline_intact(server, otlp_baseline)


def test_truncated_protobuf_is_400(server, otlp_baseline):
    service = unique("otlp-truncated")
    full = pb_request(service, [pb_span(f"s{i}", attributes={"http.route": "/t", "n": i}) for i in range(5)]).SerializeToString()
    half = full[: len(full) // 2]
    with pytest.raises(DecodeError):
        trace_service_pb2.ExportTraceServiceRequest.FromString(half)
    assert_protobuf_status(post_protobuf(server, half), 400, 3)
    assert list_traces(server, service=service) == [], "a truncated request stored spans"
    assert_baseline_intact(server, otlp_baseline)


def test_garbage_json_is_400(server, otlp_baseline):
    r = server.post("/v1/traces", data=b'{"resourceSpans": [ {"resource": ', headers=JSON)
    assert r.status_code == 400, f"{r.status_code}: {r.text[:300]}"
    body = r.json()
    assert body.get("code") == 3 and isinstance(body.get("message"), str) and body["message"].strip(), body
    assert isinstance(body.get("error"), dict), body
    assert_baseline_intact(server, otlp_baseline)


def test_unknown_protobuf_fields_are_skipped(server, otlp_baseline):
    service = unique("otlp-unknown-field")
    # An unknown length-delimited field (number 77) inside the Span message ...
    span = pb_span("with unknown fields", attributes={"http.route": "/unknown"})
    span_bytes = span.SerializeToString() + bytes([(77 << 3 | 2) & 0x7F | 0x80, (77 << 3 | 2) >> 7, 3]) + b"abc"
    span_with_unknown = trace_pb2.Span.FromString(span_bytes)
    # ... and field 99 (varint 1) appended to the top-level ExportTraceServiceRequest.
    body = pb_request(service, [span_with_unknown]).SerializeToString() + b"\x98\x06\x01"
    assert (99 << 3 | 0) == 0x318 and bytes([0x318 & 0x7F | 0x80, 0x318 >> 7]) == b"\x98\x06"
    parsed = trace_service_pb2.ExportTraceServiceRequest.FromString(body)  # valid protobuf
    assert len(parsed.resource_spans[0].scope_spans[0].spans) == 1
    assert_protobuf_success(post_protobuf(server, body))
    stored = get_trace(server, span.trace_id.hex())
    assert [s["name"] for s in stored["spans"]] == ["with unknown fields"], stored
    assert_baseline_intact(server, otlp_baseline)


def test_empty_protobuf_body_is_ok_and_stores_nothing(server, otlp_baseline):
    before = list_traces(server)
    assert_protobuf_success(post_protobuf(server, b""))
    assert list_traces(server) == before
    assert_baseline_intact(server, otlp_baseline)


def test_huge_span_is_accepted_and_limited(server, otlp_baseline):
    service = unique("otlp-huge")
    big = "x" * (1024 * 1024)
    attributes = {"a.big": big, "http.route": "/huge"}
    attributes.update({f"attr.{i:05d}": f"value {i}" for i in range(10_000)})
    span = pb_span("huge", attributes=attributes)
    r = post_protobuf(server, pb_request(service, [span]).SerializeToString())
    assert_protobuf_success(r)
    stored = get_trace(server, span.trace_id.hex())
    assert len(stored["spans"]) == 1, stored
    attrs = stored["spans"][0]["attributes"]
    assert len(attrs) <= 128, f"stored span has {len(attrs)} attributes (limit 128): {sorted(attrs)[:3]} … {sorted(attrs)[-3:]}"
    assert "a.big" in attrs, f"the 1 MB attribute was dropped instead of truncated: {sorted(attrs)[:5]}"
    value = attrs["a.big"]
    assert value.endswith(TRUNCATION_MARKER), f"value not marked as truncated: …{value[-40:]!r}"
    assert len(value.encode()) < 64 * 1024, f"stored value is {len(value.encode())} bytes"
    assert value.startswith("xxxx"), value[:20]
    assert_baseline_intact(server, otlp_baseline)


def test_attribute_limit_keeps_the_derived_red_tags(server, otlp_baseline):
    """A SERVER span with more attributes than the limit still sent `http.route`, the method
    and the status code: its `http.server.duration` point is tagged from them (not from the
    span name), whichever 128 attributes the stored span keeps."""
    service = unique("otlp-many-attrs")
    attributes = {f"attr.{i:04d}": i for i in range(300)}
    attributes.update({"http.route": "/many", "http.request.method": "PUT", "http.response.status_code": 204})
    span = pb_span("many attributes", attributes=attributes)
    assert_protobuf_success(post_protobuf(server, pb_request(service, [span]).SerializeToString()))
    assert get_trace(server, span.trace_id.hex())["spans"][0]["name"] == "many attributes"
    assert query_by(server, "http.server.duration", "count", "route", service) == {"/many": 1}
    assert query_by(server, "http.server.duration", "count", "method", service) == {"PUT": 1}
    assert query_by(server, "http.server.duration", "count", "status_class", service) == {"2xx": 1}
    assert_baseline_intact(server, otlp_baseline)


def test_unsupported_content_type_is_415(server, otlp_baseline):
    service = unique("otlp-text")
    span = pb_span("text plain")
    r = server.post("/v1/traces", data=pb_request(service, [span]).SerializeToString(), headers={"Content-Type": "text/plain"})
    assert r.status_code == 415, f"{r.status_code}: {r.text[:300]}"
    assert list_traces(server, service=service) == []
    assert_baseline_intact(server, otlp_baseline)


def test_logs_endpoint_is_404(server, otlp_baseline):
    r = server.post("/v1/logs", data=json.dumps({"resourceLogs": []}), headers=JSON)
    assert r.status_code == 404, f"{r.status_code}: {r.text[:300]}"
    assert "not supported" in r.text.lower(), r.text
    r = server.post("/v1/logs", data=b"", headers=PROTOBUF)
    assert r.status_code == 404, f"{r.status_code}: {r.content[:300]!r}"
    assert_baseline_intact(server, otlp_baseline)


def test_wrong_method_on_traces_is_405(server, otlp_baseline):
    r = server.request("GET", "/v1/traces")
    assert r.status_code == 405, f"{r.status_code}: {r.text[:300]}"
    assert_baseline_intact(server, otlp_baseline)


def test_trace_lookup_errors(server, otlp_baseline):
    r = server.get("/api/v1/traces/xyz")
    assert r.status_code == 400, f"{r.status_code}: {r.text[:300]}"
    r = server.get("/api/v1/traces/" + "g" * 32)
    assert r.status_code == 400, f"{r.status_code}: {r.text[:300]}"
    r = server.get("/api/v1/traces/" + hex_id(16))
    assert r.status_code == 404, f"{r.status_code}: {r.text[:300]}"
    # Upper-case hex is the same trace.
    assert get_trace(server, otlp_baseline["trace_id"])["spans"]
    r = server.get("/api/v1/traces/" + otlp_baseline["trace_id"].upper())
    assert r.status_code == 200, f"{r.status_code}: {r.text[:300]}"
    assert_baseline_intact(server, otlp_baseline)


def test_demo_fills_routes_and_queries(server):
    """`perfwatch demo` sends real OTLP protobuf; the routes and slow-query tables fill up."""
    import os
    import subprocess
    binary = os.environ.get("PERFWATCH_BIN") or str(pathlib.Path(__file__).resolve().parents[2] / ".build" / "debug" / "perfwatch")
    done = subprocess.run(
        [binary, "demo", "--server", server.url, "--duration", "0", "--backfill", "2m", "--rate", "10"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    routes = server.get("/api/v1/routes", **{"from": "-10m"}).json()["routes"]
    demo = {r["route"]: r for r in routes if r["service"] == "learnhub-web"}
    assert {"/courses", "/courses/:id", "/search", "/checkout", "/login", "/api/progress"} <= set(demo)
    assert demo["/search"]["p50"] > 250
    queries = server.get("/api/v1/db/queries", **{"from": "-10m"}).json()["queries"]
    lessons = [q for q in queries if q["service"] == "learnhub-web" and "FROM lessons WHERE course_id" in q["statement"]]
    assert len(lessons) == 1 and lessons[0]["calls"] == 12 * demo["/courses/:id"]["requests"]
    bad = subprocess.run([binary, "demo", "--server", "http://127.0.0.1:1", "--duration", "0", "--backfill", "1m"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "cannot reach" in bad.stderr


@pytest.mark.parametrize("compression", [None, "gzip"])
def test_sdk_histogram_and_counter_arrive(server, compression):
    """The OpenTelemetry Python SDK's metric exporter (protobuf over HTTP): a histogram's exact
    count and sum, its percentiles from bucket midpoints, and a monotonic counter."""
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    service = unique("metrics")
    exporter = OTLPMetricExporter(
        endpoint=server.url + "/v1/metrics",
        compression=Compression.Gzip if compression else Compression.NoCompression,
    )
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=60_000)
    provider = MeterProvider(resource=Resource.create({"service.name": service, "service.version": "9.1"}), metric_readers=[reader])
    meter = provider.get_meter("e2e")
    histogram = meter.create_histogram("e2e.request.duration", unit="ms")
    counter = meter.create_counter("e2e.jobs")
    values = [3, 7, 12, 40, 55, 80, 120, 300, 700, 1200]
    for value in values:
        histogram.record(value, {"route": "/api"})
    counter.add(5, {"queue": "mail"})
    counter.add(2, {"queue": "mail"})
    assert provider.force_flush(timeout_millis=10_000)
    # A second export of the same cumulative data must not double count.
    histogram.record(10, {"route": "/api"})
    assert provider.force_flush(timeout_millis=10_000)
    provider.shutdown()

    def value(metric, stat, **extra):
        body = ok_json(server.get("/api/v1/query", metric=metric, stat=stat, where=[f"service={service}"], **{"from": "-10m"}, **extra))
        assert body["series"], f"no series for {metric}"
        return body["series"][0]["points"][0][1]

    assert value("e2e.request.duration", "count") == len(values) + 1
    assert value("e2e.request.duration", "sum") == pytest.approx(sum(values) + 10)
    # The SDK sends exact min and max; percentiles come from bucket midpoints. The median (55)
    # lies in the default bucket (50, 75].
    assert value("e2e.request.duration", "max") == 1200
    assert value("e2e.request.duration", "min") == 3
    assert 50 < value("e2e.request.duration", "p50") <= 75
    assert value("e2e.jobs", "last") == 7  # cumulative total as sent
    assert value("e2e.jobs", "sum") == 7  # counted from the counter's start time, not from its first export
    tags = ok_json(server.get("/api/v1/metrics"))["metrics"]
    jobs = next(m for m in tags if m["name"] == "e2e.jobs")
    assert jobs["kind"] == "counter" and service in jobs["tags"]["service"]

"""Trends end to end: OTLP traces over the last 24 h (one route getting steadily slower, one
flat) through the real binary, then GET /api/v1/trends and the `trend` issue of a 24 h
analysis pass; bad parameters are refused by name and the server stays up."""

from __future__ import annotations

import random
import time

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.trace.v1 import trace_pb2

HOUR_MS = 3_600_000


def attr(key: str, value) -> common_pb2.KeyValue:
    if isinstance(value, int):
        return common_pb2.KeyValue(key=key, value=common_pb2.AnyValue(int_value=value))
    return common_pb2.KeyValue(key=key, value=common_pb2.AnyValue(string_value=value))


class Traces:
    """Builds one OTLP export of hand-made traces: a SERVER span per request and its children."""

    def __init__(self, service: str, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.service = service
        self.spans: list[trace_pb2.Span] = []

    def _id(self, n: int) -> bytes:
        return self.rng.getrandbits(8 * n).to_bytes(n, "big")

    def request(self, route: str, start_ms: float, children: list[tuple[str, int, float, float, dict]], own_ms: float) -> None:
        """children: (name, kind, offset ms from the request start, duration ms, attributes); the
        request ends `own_ms` after the last child (or its start)."""
        trace_id, root_id = self._id(16), self._id(8)
        start_ns = int(start_ms * 1e6)
        end_ns = start_ns
        for name, kind, offset, ms, attributes in children:
            s = trace_pb2.Span(trace_id=trace_id, span_id=self._id(8), parent_span_id=root_id, name=name, kind=kind,
                               start_time_unix_nano=start_ns + int(offset * 1e6),
                               end_time_unix_nano=start_ns + int((offset + ms) * 1e6),
                               attributes=[attr(k, v) for k, v in attributes.items()])
            self.spans.append(s)
            end_ns = max(end_ns, s.end_time_unix_nano)
        end_ns += int(own_ms * 1e6)
        self.spans.append(trace_pb2.Span(
            trace_id=trace_id, span_id=root_id, name=f"GET {route}", kind=trace_pb2.Span.SPAN_KIND_SERVER,
            start_time_unix_nano=start_ns, end_time_unix_nano=end_ns,
            attributes=[attr("http.request.method", "GET"), attr("http.route", route), attr("url.path", route),
                        attr("http.response.status_code", 200)]))

    def send(self, server) -> None:
        body = trace_service_pb2.ExportTraceServiceRequest(resource_spans=[trace_pb2.ResourceSpans(
            resource={"attributes": [attr("service.name", self.service)]},
            scope_spans=[trace_pb2.ScopeSpans(spans=self.spans)])]).SerializeToString()
        r = server.post("/v1/traces", data=body, headers={"Content-Type": "application/x-protobuf"})
        assert r.status_code == 200, r.text
        self.spans = []


def hours_ago_ms(hours: float, now_ms: int) -> float:
    return now_ms - hours * HOUR_MS


def test_trends_api_and_trend_issue(start_server):
    server = start_server()
    now = int(time.time() * 1000)
    traces = Traces("trend-shop")
    # 24 h, 12 requests an hour per route: /grow gains 60 ms an hour (≈ 400 ms → 1.8 s), /flat stays at ≈ 40 ms.
    for hour in range(24):
        for i in range(12):
            start = hours_ago_ms(24 - hour - i / 12, now) - 60_000
            traces.request("/grow", start, [], own_ms=(400 + 60 * hour) * traces.rng.uniform(0.9, 1.1))
            traces.request("/flat", start, [], own_ms=40 * traces.rng.uniform(0.9, 1.1))
        if hour % 6 == 5:
            traces.send(server)
    r = server.get("/api/v1/trends", metric="p95", from_="-24h")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["metric"] == "p95" and body["unit"] == "ms" and body["threshold"] == 2000
    by_route = {t["route"]: t for t in body["trends"]}
    grow, flat = by_route["/grow"], by_route["/flat"]
    assert grow["direction"] == "up" and grow["significant"], grow
    assert 40 < grow["slopePerHour"] < 90, grow
    assert grow["slopeLowPerHour"] > 0 and grow["forecastCrossing"] is not None
    # Crosses 2 s within a few hours of now at ≈ 60 ms/h.
    assert now < grow["forecastCrossing"] < now + 24 * HOUR_MS, grow
    assert len(grow["points"]) >= 20
    assert flat["direction"] == "flat" and abs(flat["slopePerHour"]) < 2, flat
    # Not rising: no forecast, whatever sign the noise gave the slope (issue 15).
    assert flat["forecastCrossing"] is None, flat
    throughput = server.get("/api/v1/trends", metric="throughput", from_="-24h").json()
    assert throughput["threshold"] is None
    rate = {t["route"]: t for t in throughput["trends"]}["/flat"]
    assert abs(rate["current"] - 12 / 3600) < 0.001, rate

    run = server.post("/api/v1/analysis/run?window=24h")
    assert run.status_code == 200 and run.json()["failures"] == [], run.text
    issues = server.get("/api/v1/issues", type="trend").json()["issues"]
    assert [i["route"] for i in issues] == ["/grow"], issues
    assert "forecast" in issues[0]["title"] and issues[0]["evidence"]["forecastCrossing"] > now


def test_trends_bad_input(server):
    bad = server.get("/api/v1/trends", metric="p96")
    assert bad.status_code == 400
    message = bad.json()["error"]["message"]
    assert "metric" in message and "p96" in message and "error_rate" in message
    bad_time = server.get("/api/v1/trends", from_="yesterday-ish")
    assert bad_time.status_code == 400 and "from" in bad_time.json()["error"]["message"]
    assert server.post("/api/v1/trends").status_code == 405
    # A range with no data at all (the shared server holds other suites' RUM data for now).
    empty = server.get("/api/v1/trends", metric="lcp", from_="-30d", to="-29d")
    assert empty.status_code == 200 and empty.json()["trends"] == []
    assert server.get("/healthz").status_code == 200

"""Synthetic request traffic as OTLP/JSON trace exports: each request a SERVER span with one
database CLIENT span under it, durations log-normal around given medians, seeded so a test's
data is the same every run. Used by the deploy and optimization suites."""

from __future__ import annotations

import json
import random


def otlp_attrs(attrs: dict) -> list[dict]:
    return [
        {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}} for k, v in attrs.items()
    ]


def send_requests(server, *, service: str, version: str, route: str, statement: str, start_ms: int, end_ms: int,
                  count: int, self_ms: float, query_ms: float, seed: int) -> None:
    """`count` requests of `route` spread over [start_ms, end_ms), in exports of 200."""
    rng = random.Random(seed)
    spans = []

    def flush():
        body = {"resourceSpans": [{
            "resource": {"attributes": otlp_attrs({"service.name": service, "service.version": version})},
            "scopeSpans": [{"spans": spans}],
        }]}
        r = server.post("/v1/traces", data=json.dumps(body), headers={"Content-Type": "application/json"})
        assert r.status_code == 200, r.text
        spans.clear()

    for i in range(count):
        start = start_ms + (end_ms - start_ms) * i / count + rng.random() * 100
        query = query_ms * rng.lognormvariate(0, 0.3)
        total = 1 + query + self_ms * rng.lognormvariate(0, 0.3)
        trace_id = "%032x" % rng.getrandbits(128)
        root, child = "%016x" % rng.getrandbits(64), "%016x" % rng.getrandbits(64)
        ns = lambda ms: str(int(ms * 1_000_000))  # noqa: E731
        spans.append({
            "traceId": trace_id, "spanId": root, "name": f"GET {route}", "kind": 2,
            "startTimeUnixNano": ns(start), "endTimeUnixNano": ns(start + total),
            "attributes": otlp_attrs({"http.route": route, "http.request.method": "GET", "http.response.status_code": 200}),
        })
        spans.append({
            "traceId": trace_id, "spanId": child, "parentSpanId": root, "name": "SELECT", "kind": 3,
            "startTimeUnixNano": ns(start + 1), "endTimeUnixNano": ns(start + 1 + query),
            "attributes": otlp_attrs({"db.system": "postgresql", "db.statement": statement}),
        })
        if len(spans) >= 400:
            flush()
    if spans:
        flush()

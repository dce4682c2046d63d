"""The shapes of the read and ingest answers: exact keys (in order), null versus absent, and
integers that stay integers.

Pinned against the hand-written JSON writer before the routes moved to typed responses, so
the typed `Encodable` values must give the same documents. Each test uses a service name of
its own on the shared session server.
"""

from __future__ import annotations

import json
import os
import time
import uuid

import requests

MS = 1_000_000
JSON = {"Content-Type": "application/json"}


def ok_json(r: requests.Response) -> dict:
    assert r.status_code == 200, f"{r.request.method} {r.url} -> {r.status_code}: {r.text[:500]}"
    assert r.headers.get("Content-Type") == "application/json", r.headers
    return r.json()


def keys(obj: dict) -> list[str]:
    return list(obj.keys())


def hex_id(n_bytes: int) -> str:
    while True:
        b = os.urandom(n_bytes)
        if any(b):
            return b.hex()


def attr(key: str, value) -> dict:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": value}}


def send_trace(server, service: str, route: str, *, error: bool = False) -> tuple[str, str, str]:
    """A server span of 40 ms (one event) with a 10 ms database call and a 5 ms cache call
    overlapping it: self time 27 ms."""
    trace_id, root_id, db_id, cache_id = hex_id(16), hex_id(8), hex_id(8), hex_id(8)
    start = time.time_ns() - 2_000 * MS
    root = {
        "traceId": trace_id, "spanId": root_id, "name": "GET " + route, "kind": 2,
        "startTimeUnixNano": str(start), "endTimeUnixNano": str(start + 40 * MS),
        "attributes": [attr("http.route", route), attr("http.request.method", "GET"),
                       attr("http.response.status_code", 500 if error else 200)],
        "status": {"code": 2, "message": "boom"} if error else {"code": 1},
        "events": [{"timeUnixNano": str(start + 5 * MS), "name": "cache.miss", "attributes": [attr("k", "v")]}],
    }
    db = {
        "traceId": trace_id, "spanId": db_id, "parentSpanId": root_id, "name": "SELECT lessons", "kind": 3,
        "startTimeUnixNano": str(start + 10 * MS), "endTimeUnixNano": str(start + 20 * MS),
        "attributes": [attr("db.system", "postgresql"), attr("db.statement", "SELECT * FROM lessons WHERE id = 7")],
    }
    cache = {
        "traceId": trace_id, "spanId": cache_id, "parentSpanId": root_id, "name": "redis GET", "kind": 3,
        "startTimeUnixNano": str(start + 15 * MS), "endTimeUnixNano": str(start + 23 * MS),
    }
    body = {"resourceSpans": [{"resource": {"attributes": [attr("service.name", service)]},
                               "scopeSpans": [{"scope": {"name": "shapes"}, "spans": [root, db, cache]}]}]}
    r = server.post("/v1/traces", data=json.dumps(body).encode(), headers=JSON)
    assert r.status_code == 200 and r.text == "{}", f"{r.status_code}: {r.text[:300]}"
    return trace_id, root_id, db_id


def test_trace_list_and_trace_and_tables(server):
    service = f"shapes-{uuid.uuid4().hex[:8]}"
    route = "/shapes/:id"
    trace_id, root_id, db_id = send_trace(server, service, route)
    send_trace(server, service, route, error=True)

    listed = ok_json(server.get("/api/v1/traces", service=service, from_="-1h"))
    assert keys(listed) == ["traces"]
    assert len(listed["traces"]) == 2
    summary = next(t for t in listed["traces"] if t["traceId"] == trace_id)
    assert keys(summary) == ["traceId", "service", "name", "route", "startTime", "durationMs", "spanCount", "error"]
    assert summary["route"] == route and summary["spanCount"] == 3 and summary["error"] is False
    assert isinstance(summary["startTime"], (int, float)) and type(summary["durationMs"]) is int and summary["durationMs"] == 40

    trace = ok_json(server.get(f"/api/v1/traces/{trace_id}"))
    assert keys(trace) == ["traceId", "spans"] and trace["traceId"] == trace_id
    spans = {s["spanId"]: s for s in trace["spans"]}
    root, db = spans[root_id], spans[db_id]
    assert keys(root) == ["spanId", "parentSpanId", "name", "service", "kind", "startTime", "durationMs", "selfTimeMs",
                          "status", "statusMessage", "attributes", "events"]
    assert root["parentSpanId"] == "" and root["kind"] == "server" and root["status"] == "ok"
    # 40 ms minus the union of [10, 20] and [15, 23] ms: 27 ms, written as an integer.
    assert root["selfTimeMs"] == 27 and type(root["selfTimeMs"]) is int
    assert db["selfTimeMs"] == 10 and db["parentSpanId"] == root_id and db["status"] == "unset"
    assert list(root["attributes"]) == sorted(root["attributes"]) and root["attributes"]["http.route"] == route
    assert len(root["events"]) == 1 and keys(root["events"][0]) == ["time", "name", "attributes"]
    assert root["events"][0]["attributes"] == {"k": "v"} and isinstance(root["events"][0]["time"], float)

    table = ok_json(server.get("/api/v1/routes", from_="-1h"))
    assert keys(table) == ["from", "to", "routes"] and type(table["from"]) is int
    row = next(r for r in table["routes"] if r["service"] == service)
    assert keys(row) == ["service", "route", "requests", "rps", "p50", "p95", "p99", "errorRate"]
    assert row["route"] == route and row["requests"] == 2 and type(row["requests"]) is int
    assert row["errorRate"] == 0.5

    queries = ok_json(server.get("/api/v1/db/queries", from_="-1h"))
    assert keys(queries) == ["from", "to", "queries"]
    query = next(q for q in queries["queries"] if q["service"] == service)
    assert keys(query) == ["fingerprint", "service", "dbSystem", "operation", "statement", "calls", "totalMs", "p95",
                           "traces", "callsPerTrace"]
    assert query["calls"] == 2 and type(query["calls"]) is int and query["totalMs"] == 20 and query["callsPerTrace"] == 1

    bottlenecks = ok_json(server.get("/api/v1/routes/bottlenecks", route=route, service=service, from_="-1h"))
    assert keys(bottlenecks) == ["route", "service", "from", "to", "traces", "meanMs", "breakdown", "topOperations",
                                 "criticalPath", "cache"]
    assert bottlenecks["traces"] == 2 and keys(bottlenecks["criticalPath"]) == ["traceId", "segments"]
    assert all(keys(s) == ["category", "ms", "share"] for s in bottlenecks["breakdown"])
    assert all(keys(o) == ["name", "category", "ms"] for o in bottlenecks["topOperations"])
    assert all(keys(s) == ["spanId", "service", "name", "category", "ms"] for s in bottlenecks["criticalPath"]["segments"])
    assert keys(bottlenecks["cache"]) == ["hits", "misses", "hitRatio"]

    empty = ok_json(server.get("/api/v1/routes/bottlenecks", route="/nothing/here", from_="-1h"))
    assert empty["service"] == "" and empty["traces"] == 0
    assert empty["meanMs"] is None and empty["breakdown"] == [] and empty["topOperations"] == []
    assert empty["criticalPath"] is None and empty["cache"] == {"hits": 0, "misses": 0, "hitRatio": None}


def test_query_and_catalog(server):
    metric = f"shapes.gauge.{uuid.uuid4().hex[:8]}"
    now = int(time.time() * 1000)
    values = [{"name": metric, "kind": "gauge", "value": v, "time": now - 1000 * i, "tags": {"host": "a"}}
              for i, v in enumerate([3, 2, 1.5])]
    accepted = ok_json(server.post_metrics(values + [{"name": metric, "value": "x"}]))
    assert keys(accepted) == ["accepted", "rejected"] and accepted["accepted"] == 3
    assert [keys(r) for r in accepted["rejected"]] == [["index", "reason", "error"]] and accepted["rejected"][0]["index"] == 3

    result = ok_json(server.query(metric, "max", from_="-1h", to="now", by="host"))
    assert keys(result) == ["metric", "stat", "from", "to", "step", "resolution", "kind", "unit", "series"]
    assert result["step"] is None and result["kind"] == "gauge"
    assert [keys(s) for s in result["series"]] == [["tags", "points"]] and result["series"][0]["tags"] == {"host": "a"}
    [[time_ms, value]] = result["series"][0]["points"]
    assert type(time_ms) is int and value == 3 and type(value) is int

    stepped = ok_json(server.query(metric, "avg", from_="-1h", to="now", step="1h"))
    assert stepped["step"] == 3_600_000

    catalog = ok_json(server.get("/api/v1/metrics"))
    assert keys(catalog) == ["metrics"]
    entry = next(m for m in catalog["metrics"] if m["name"] == metric)
    assert keys(entry) == ["name", "kind", "unit", "series", "tags", "truncated_tags"]
    assert entry["series"] == 1 and entry["tags"] == {"host": ["a"]} and entry["truncated_tags"] == []


def test_prometheus_import_and_ops(server):
    metric = f"shapes_prom_{uuid.uuid4().hex[:8]}"
    text = f"# TYPE {metric} gauge\n{metric}{{a=\"1\"}} 4\n{metric}{{a=\"2\"}} NaN\n"
    imported = ok_json(server.post("/api/v1/import/prometheus", data=text.encode(), headers={"Content-Type": "text/plain"}))
    # Issue 19: NaN is stored (PromQL sees it); the key stays, always 0, for clients that read it.
    assert imported == {"accepted": 2, "skipped_non_finite": 0, "rejected": 0}
    # The legacy query API skips the stored NaN and answers strict JSON (no NaN literal).
    for stat in ["avg", "last", "max", "p99", "sum", "count"]:
        response = server.get("/api/v1/query", metric=metric, stat=stat, from_="-1h", to="now", by="a")
        assert response.status_code == 200, response.text
        assert "NaN" not in response.text and "Infinity" not in response.text, response.text
        series = {s["tags"]["a"]: s["points"] for s in json.loads(response.text)["series"]}
        assert series["1"][0][1] == (1 if stat == "count" else 4), (stat, series)
        # The NaN-only series answers as a series without samples: no point, or 0 for count/sum.
        assert all(point[1] == 0 for point in series.get("2", [])), (stat, series)

    assert ok_json(server.get("/readyz")) == {"status": "ready"}
    overview = ok_json(server.get("/api/v1/overview"))
    assert keys(overview) == ["time", "tiles"] and type(overview["time"]) is int
    assert [t["id"] for t in overview["tiles"]] == ["cpu", "memory", "disk", "ingest"]
    for tile in overview["tiles"]:
        assert keys(tile) == ["id", "label", "metric", "value", "unit", "status", "warn", "crit"]
    ingest = overview["tiles"][3]
    assert ingest["warn"] is None and ingest["crit"] is None
    assert overview["tiles"][0]["warn"] == 70 and type(overview["tiles"][0]["warn"]) is int

    assert ok_json(server.get("/api/v1/session")) == {"auth": False, "session": False}


def test_otlp_error_status_json(server):
    r = server.post("/v1/traces", data=b"{not json", headers=JSON)
    assert r.status_code == 400 and r.headers.get("Content-Type") == "application/json"
    body = r.json()
    assert keys(body) == ["code", "message", "error"] and body["code"] == 3
    assert keys(body["error"]) == ["code", "message"] and body["error"]["message"] == body["message"]

"""Bottlenecks, parallelizable calls and cache hit ratio end to end: hand-made OTLP traces
through the real binary, GET /api/v1/routes/bottlenecks, and the issues of a 24 h pass."""

from __future__ import annotations

import time

from opentelemetry.proto.trace.v1 import trace_pb2

from test_trends import HOUR_MS, Traces

CLIENT = trace_pb2.Span.SPAN_KIND_CLIENT


def send_workload(server, now: int) -> None:
    traces = Traces("bn-shop", seed=5)
    for i in range(60):
        start = now - (i + 1) * HOUR_MS / 4 - 60_000
        # /reports: one 1.2 s query, 30 ms of its own code.
        traces.request("/reports", start, [("SELECT orders", CLIENT, 1, 1200 + 5 * (i % 7),
                                            {"db.system": "postgresql", "db.statement": "SELECT date, SUM(total) FROM orders GROUP BY date"})],
                       own_ms=30)
        # /dashboard: three HTTP calls to different services, one after another.
        children, offset = [], 1.0
        for host in ("users-api", "billing-api", "notify-api"):
            ms = 40 + (i % 5)
            children.append(("GET", CLIENT, offset, ms, {"http.request.method": "GET", "server.address": host,
                                                         "url.full": f"http://{host}/x"}))
            offset += ms + 0.3
        traces.request("/dashboard", start + 5, children, own_ms=5)
        # /catalog: a Redis lookup that hits one time in three, then the database on a miss.
        hit = i % 3 == 0
        catalog = [("GET", CLIENT, 1, 0.8, {"db.system": "redis", "cache.hit": "true" if hit else "false"})]
        if not hit:
            catalog.append(("SELECT products", CLIENT, 2, 25, {"db.system": "postgresql", "db.statement": "SELECT * FROM products WHERE id = 1"}))
        traces.request("/catalog", start + 10, catalog, own_ms=4)
        # /home: a clean control.
        traces.request("/home", start + 15, [("SELECT banners", CLIENT, 1, 3, {"db.system": "postgresql", "db.statement": "SELECT 1"})],
                       own_ms=10)
    traces.send(server)


def test_bottleneck_api_and_issues(start_server):
    server = start_server()
    now = int(time.time() * 1000)
    send_workload(server, now)
    r = server.get("/api/v1/routes/bottlenecks", route="/reports", service="bn-shop", from_="-24h")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["traces"] == 50  # the 50 slowest of 60
    top = body["breakdown"][0]
    assert top["category"] == "database" and top["share"] > 0.95, body["breakdown"]
    assert abs(sum(s["ms"] for s in body["breakdown"]) - body["meanMs"]) < 1
    assert body["topOperations"][0]["name"] == "SELECT orders"
    segments = body["criticalPath"]["segments"]
    assert [s["name"] for s in segments if s["ms"] >= 0.5] == ["GET /reports", "SELECT orders", "GET /reports"]
    dashboard = server.get("/api/v1/routes/bottlenecks", route="/dashboard", from_="-24h").json()
    assert dashboard["breakdown"][0]["category"] == "http"
    catalog = server.get("/api/v1/routes/bottlenecks", route="/catalog", from_="-24h").json()
    assert catalog["cache"]["hits"] + catalog["cache"]["misses"] == 50 and catalog["cache"]["hitRatio"] < 0.5

    run = server.post("/api/v1/analysis/run?window=24h")
    assert run.status_code == 200 and run.json()["failures"] == [], run.text
    issues = server.get("/api/v1/issues").json()["issues"]
    by_type: dict[str, list[dict]] = {}
    for issue in issues:
        by_type.setdefault(issue["type"], []).append(issue)
    [bottleneck] = by_type["bottleneck"]
    assert bottleneck["route"] == "/reports" and bottleneck["evidence"]["category"] == "database"
    [parallel] = by_type["parallelizable"]
    assert parallel["route"] == "/dashboard" and len(parallel["evidence"]["calls"]) == 3
    assert 80 <= parallel["evidence"]["savingMsMedian"] <= 95, parallel["evidence"]
    [cache] = by_type["cache_hit_ratio"]
    assert cache["route"] == "/catalog" and cache["evidence"]["hitRatio"] < 0.5
    assert "/home" not in {i["route"] for i in issues}


def test_bottleneck_bad_input(server):
    missing = server.get("/api/v1/routes/bottlenecks")
    assert missing.status_code == 400 and "route" in missing.json()["error"]["message"]
    bad_time = server.get("/api/v1/routes/bottlenecks", route="/x", to="soon")
    assert bad_time.status_code == 400 and "to" in bad_time.json()["error"]["message"]
    unknown = server.get("/api/v1/routes/bottlenecks", route="/nowhere")
    assert unknown.status_code == 200
    assert unknown.json()["traces"] == 0 and unknown.json()["breakdown"] == [] and unknown.json()["criticalPath"] is None
    assert server.get("/healthz").status_code == 200

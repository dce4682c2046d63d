"""End-to-end tests of the HTTP API (docs/api-contract.md) against the real binary.

Every test talks real HTTP (requests) to `perfwatch serve`. Tests that share the
session server use metric names of their own, so their order does not matter, except
for the host-metrics test, which is last in this file because it waits for the
server's 10-second host sampler.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
import queue
import random
import re
import threading
import time

import pytest
import requests

from conftest import free_port, now_ms

MINUTE = 60_000
MIB = 1024 * 1024


# ---------------------------------------------------------------------------- helpers


def exact_quantile_bounds(values: list[float], q: float) -> tuple[float, float]:
    """The exact q-quantile of `values`: nearest rank with rank = q*(n-1).

    Rounded down that is the usual definition; rounded up is the other one in common
    use, so both neighbours are returned and a sketch may be within 1% of either.
    """
    s = sorted(values)
    rank = q * (len(s) - 1)
    return s[math.floor(rank)], s[math.ceil(rank)]


def assert_quantile(got: float, values: list[float], q: float, what: str) -> None:
    lo, hi = exact_quantile_bounds(values, q)
    assert lo * 0.99 <= got <= hi * 1.01, (
        f"{what}: p{q * 100:g} = {got}, exact value {lo} (next rank {hi}); "
        f"relative error {abs(got - lo) / lo:.4%} > 1%"
    )


def rfc3339(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


def ok_json(r: requests.Response) -> dict:
    assert r.status_code == 200, f"{r.request.method} {r.url} -> {r.status_code}: {r.text[:500]}"
    return r.json()


def error_of(r: requests.Response, status: int, code: str) -> str:
    """Assert an error response per the contract and return its message."""
    assert r.status_code == status, f"{r.request.method} {r.url} -> {r.status_code} (expected {status}): {r.text[:500]}"
    try:
        body = r.json()
    except ValueError:
        pytest.fail(f"error body is not JSON: {r.text[:500]!r}")
    assert isinstance(body.get("error"), dict), f"error body lacks an 'error' object: {body}"
    assert body["error"].get("code") == code, f"error code {body['error'].get('code')!r}, expected {code!r}: {body}"
    message = body["error"].get("message")
    assert isinstance(message, str) and message.strip(), f"error without a message: {body}"
    return message


def assert_mentions(message: str, *patterns: str) -> None:
    """Every pattern (a regex, case-insensitive) must occur in the message."""
    for p in patterns:
        assert re.search(p, message, re.IGNORECASE), f"message {message!r} does not mention /{p}/"


def series_by(body: dict, tag: str) -> dict[str, list]:
    out = {}
    for s in body["series"]:
        out[s["tags"].get(tag)] = s["points"]
    return out


def single_value(body: dict) -> float:
    assert len(body["series"]) == 1, f"expected one series, got {body['series']}"
    points = body["series"][0]["points"]
    assert len(points) == 1, f"expected one point without step, got {points}"
    return points[0][1]


def post_ok(server, metrics: list[dict], batch: int = 1000) -> int:
    accepted = 0
    for i in range(0, len(metrics), batch):
        body = ok_json(server.post_metrics(metrics[i : i + batch]))
        assert body.get("rejected") in ([], None), f"unexpected rejections: {body['rejected'][:5]}"
        accepted += body["accepted"]
    assert accepted == len(metrics)
    return accepted


def assert_server_up(server) -> None:
    r = requests.get(server.url + "/healthz", timeout=5)
    assert r.status_code == 200, f"/healthz -> {r.status_code} {r.text[:200]}"
    assert server.proc.poll() is None, "server process exited"


# A little data written before the bad-input tests, checked after each of them:
# "nothing already accepted is lost".
@pytest.fixture(scope="module")
def baseline(server):
    t = now_ms() - 2 * MINUTE
    metrics = [
        {"name": "e2e.baseline.latency", "kind": "timing", "value": float(v), "unit": "ms", "time": t + v, "tags": {"route": "/base"}}
        for v in range(1, 101)
    ] + [{"name": "e2e.baseline.hits", "kind": "counter", "value": 2, "time": t + i} for i in range(50)]
    post_ok(server, metrics)
    return {"from": t - MINUTE}


def assert_baseline_intact(server, baseline) -> None:
    assert_server_up(server)
    f = baseline["from"]
    body = ok_json(server.query("e2e.baseline.latency", "count", from_=f, to="now"))
    assert single_value(body) == 100
    body = ok_json(server.query("e2e.baseline.latency", "max", from_=f, to="now"))
    assert single_value(body) == 100
    body = ok_json(server.query("e2e.baseline.hits", "sum", from_=f, to="now"))
    assert single_value(body) == 100


# ------------------------------------------------------------------- JSON ingest + query


def test_timings_percentiles_by_route(server):
    rng = random.Random(42)
    routes = {"/courses/:id": 3.0, "/users": 4.0, "/search": 5.0}
    start = now_ms() - 10 * MINUTE
    values: dict[str, list[float]] = {r: [] for r in routes}
    metrics = []
    i = 0
    for route, mu in routes.items():
        for _ in range(1500):
            v = round(rng.lognormvariate(mu, 0.6), 3) + 0.001
            values[route].append(v)
            metrics.append(
                {
                    "name": "e2e.api.request.duration",
                    "kind": "timing",
                    "value": v,
                    "unit": "ms",
                    "time": start + (i * 397) % (9 * MINUTE),
                    "tags": {"route": route, "service": "web"},
                }
            )
            i += 1
    rng.shuffle(metrics)
    post_ok(server, metrics, batch=500)

    q_from = start - MINUTE
    for stat, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("p99.9", 0.999)):
        body = ok_json(server.query("e2e.api.request.duration", stat, from_=q_from, to="now", by="route"))
        assert body["metric"] == "e2e.api.request.duration"
        assert body["stat"] == stat
        assert body["from"] == q_from
        assert body["step"] is None
        got = series_by(body, "route")
        assert set(got) == set(routes), body
        for route, points in got.items():
            assert len(points) == 1 and points[0][0] == q_from, points
            assert_quantile(points[0][1], values[route], q, f"{route} {stat}")

    # All routes merged (no group-by), and one route filtered with `where`.
    everything = [v for vs in values.values() for v in vs]
    body = ok_json(server.query("e2e.api.request.duration", "p95", from_=q_from, to="now"))
    assert_quantile(single_value(body), everything, 0.95, "all routes p95")
    body = ok_json(server.query("e2e.api.request.duration", "p99", from_=q_from, to="now", where="route=/users"))
    assert_quantile(single_value(body), values["/users"], 0.99, "where route=/users p99")
    body = ok_json(
        server.query(
            "e2e.api.request.duration", "p50", from_=q_from, to="now", by="route",
            where=["route!=/users", "service=web"],
        )
    )
    got = series_by(body, "route")
    assert set(got) == {"/courses/:id", "/search"}, body
    assert_quantile(got["/search"][0][1], values["/search"], 0.5, "where route!=/users p50")

    # Exact aggregates.
    for stat, fn in (
        ("count", len),
        ("sum", sum),
        ("min", min),
        ("max", max),
        ("avg", lambda vs: sum(vs) / len(vs)),
    ):
        body = ok_json(server.query("e2e.api.request.duration", stat, from_=q_from, to="now", by="route"))
        for route, points in series_by(body, "route").items():
            assert points[0][1] == pytest.approx(fn(values[route]), rel=1e-9), f"{route} {stat}"

    # With a step the per-bucket counts add up to the total; RFC 3339 and relative times work.
    body = ok_json(
        server.query("e2e.api.request.duration", "count", from_=rfc3339(q_from), to="now", step="1m", by="route")
    )
    assert body["step"] == MINUTE
    for route, points in series_by(body, "route").items():
        assert sum(p[1] or 0 for p in points) == len(values[route]), f"{route}: {points}"
        assert all(q_from - MINUTE <= p[0] <= now_ms() for p in points), points
    body = ok_json(server.query("e2e.api.request.duration", "count", from_="-15m", to="now"))
    assert single_value(body) == len(everything)


def test_counters_sum_and_rate(server):
    base = (now_ms() - 10 * MINUTE) // MINUTE * MINUTE
    expected: dict[str, list[int]] = {"/a": [0] * 5, "/b": [0] * 5}
    rng = random.Random(7)
    metrics = []
    for route in expected:
        for minute in range(5):
            for j in range(6):
                inc = rng.randint(1, 20)
                expected[route][minute] += inc
                metrics.append(
                    {
                        "name": "e2e.http.requests",
                        "kind": "counter",
                        "value": inc,
                        "time": base + minute * MINUTE + j * 10_000 + 1,
                        "tags": {"route": route},
                    }
                )
    post_ok(server, metrics)
    to = base + 5 * MINUTE

    body = ok_json(server.query("e2e.http.requests", "sum", from_=base, to=to, by="route"))
    for route, points in series_by(body, "route").items():
        assert points == [[base, sum(expected[route])]], route

    body = ok_json(server.query("e2e.http.requests", "count", from_=base, to=to, by="route"))
    for route, points in series_by(body, "route").items():
        assert points[0][1] == 30, route

    body = ok_json(server.query("e2e.http.requests", "rate", from_=base, to=to, by="route"))
    for route, points in series_by(body, "route").items():
        assert points[0][1] == pytest.approx(sum(expected[route]) / 300.0, rel=1e-6), f"rate {route}"

    body = ok_json(server.query("e2e.http.requests", "rate", from_=base, to=to, by="route", step="1m"))
    assert body["step"] == MINUTE
    for route, points in series_by(body, "route").items():
        got = {p[0]: p[1] for p in points if p[1] is not None}
        for minute in range(5):
            t = base + minute * MINUTE
            assert t in got, f"{route}: no point at {t}: {points}"
            assert got[t] == pytest.approx(expected[route][minute] / 60.0, rel=1e-6), f"rate {route} minute {minute}"

    # No group-by: both routes summed.
    body = ok_json(server.query("e2e.http.requests", "sum", from_=base, to=to))
    assert single_value(body) == sum(expected["/a"]) + sum(expected["/b"])


def test_gauges_last(server):
    base = now_ms() - 5 * MINUTE
    metrics = []
    expected_last = {}
    for q, values in {"q1": [5, 17, 3, 42, 8], "q2": [1.5, 2.5, 0, 11.5, 7.5]}.items():
        for i, v in enumerate(values):
            metrics.append(
                {"name": "e2e.queue.depth", "kind": "gauge", "value": v, "time": base + i * 10_000, "tags": {"queue": q}}
            )
        expected_last[q] = values[-1]
    # One sample with an RFC 3339 time, later than all the others.
    metrics.append(
        {"name": "e2e.queue.depth", "kind": "gauge", "value": 99, "time": rfc3339(base + 60_000), "tags": {"queue": "q3"}}
    )
    metrics.append(
        {"name": "e2e.queue.depth", "kind": "gauge", "value": 98, "time": base + 50_000, "tags": {"queue": "q3"}}
    )
    expected_last["q3"] = 99
    post_ok(server, metrics)

    body = ok_json(server.query("e2e.queue.depth", "last", from_=base - MINUTE, to="now", by="queue"))
    got = {k: v[0][1] for k, v in series_by(body, "queue").items()}
    assert got == expected_last
    body = ok_json(server.query("e2e.queue.depth", "max", from_=base - MINUTE, to="now", by="queue"))
    assert {k: v[0][1] for k, v in series_by(body, "queue").items()} == {"q1": 42, "q2": 11.5, "q3": 99}
    body = ok_json(server.query("e2e.queue.depth", "min", from_=base - MINUTE, to="now", where="queue=q2"))
    assert single_value(body) == 0


def test_gzip_body_accepted(server):
    t = now_ms() - MINUTE
    payload = json.dumps(
        {"metrics": [{"name": "e2e.gzip.gauge", "kind": "gauge", "value": i, "time": t + i} for i in range(500)]}
    ).encode()
    r = server.post(
        "/api/v1/metrics",
        data=gzip.compress(payload),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert ok_json(r)["accepted"] == 500
    body = ok_json(server.query("e2e.gzip.gauge", "count", from_=t - MINUTE, to="now"))
    assert single_value(body) == 500
    body = ok_json(server.query("e2e.gzip.gauge", "last", from_=t - MINUTE, to="now"))
    assert single_value(body) == 499


def test_catalog_lists_names_kinds_and_tags(server):
    t = now_ms() - MINUTE
    post_ok(
        server,
        [
            {"name": "e2e.cat.latency", "kind": "timing", "value": 12.5, "unit": "ms", "time": t, "tags": {"route": "/x", "method": "GET"}},
            {"name": "e2e.cat.latency", "kind": "timing", "value": 15.0, "unit": "ms", "time": t, "tags": {"route": "/y", "method": "GET"}},
            {"name": "e2e.cat.size", "kind": "histogram", "value": 512, "unit": "bytes", "time": t},
            {"name": "e2e.cat.jobs", "kind": "counter", "value": 3, "time": t, "tags": {"queue": "mail"}},
            {"name": "e2e.cat.temp", "kind": "gauge", "value": 21.5, "unit": "celsius", "time": t, "tags": {"room": "a"}},
            {"name": "e2e.cat.temp", "kind": "gauge", "value": 22.5, "unit": "celsius", "time": t, "tags": {"room": "b"}},
            {"name": "e2e.cat.temp", "kind": "gauge", "value": 23.5, "unit": "celsius", "time": t, "tags": {"room": "c"}},
        ],
    )
    catalog = ok_json(server.get("/api/v1/metrics"))
    by_name = {m["name"]: m for m in catalog["metrics"]}
    lat = by_name.get("e2e.cat.latency")
    assert lat, f"e2e.cat.latency missing from {sorted(by_name)}"
    assert lat["kind"] == "distribution"
    assert lat["unit"] == "ms"
    assert lat["series"] == 2
    assert sorted(lat["tags"]["route"]) == ["/x", "/y"]
    assert lat["tags"]["method"] == ["GET"]
    assert by_name["e2e.cat.size"]["kind"] == "distribution"
    assert by_name["e2e.cat.jobs"]["kind"] == "counter"
    assert by_name["e2e.cat.jobs"]["tags"]["queue"] == ["mail"]
    temp = by_name["e2e.cat.temp"]
    assert temp["kind"] == "gauge" and temp["series"] == 3
    assert sorted(temp["tags"]["room"]) == ["a", "b", "c"]


# ------------------------------------------------------------------ Prometheus import


def test_prometheus_import_and_query(server):
    t0 = (now_ms() - 10 * MINUTE) // 1000 * 1000
    text = f"""# HELP e2e_http_requests_total Total HTTP requests.
# TYPE e2e_http_requests_total counter
e2e_http_requests_total{{method="GET",code="200"}} 100 {t0}
e2e_http_requests_total{{method="POST",code="500"}} 5 {t0}
e2e_http_requests_total{{method="GET",code="200"}} 160 {t0 + 60_000}
e2e_http_requests_total{{method="POST",code="500"}} 8 {t0 + 60_000}
e2e_http_requests_total{{method="GET",code="200"}} 220 {t0 + 120_000}
e2e_http_requests_total{{method="POST",code="500"}} 14 {t0 + 120_000}

# HELP e2e_room_temperature_celsius Room temperature.
# TYPE e2e_room_temperature_celsius gauge
e2e_room_temperature_celsius{{room="lab"}} 21.5 {t0}
e2e_room_temperature_celsius{{room="lab"}} 22.25 {t0 + 60_000}
# TYPE e2e_queue_depth gauge
e2e_queue_depth 7
# HELP e2e_req_seconds Request latency.
# TYPE e2e_req_seconds histogram
e2e_req_seconds_bucket{{le="0.1"}} 3 {t0}
e2e_req_seconds_bucket{{le="0.5"}} 8 {t0}
e2e_req_seconds_bucket{{le="+Inf"}} 10 {t0}
e2e_req_seconds_sum 2.5 {t0}
e2e_req_seconds_count 10 {t0}
# HELP e2e_rpc_seconds RPC latency.
# TYPE e2e_rpc_seconds summary
e2e_rpc_seconds{{quantile="0.5"}} 0.05 {t0}
e2e_rpc_seconds{{quantile="0.99"}} 0.3 {t0}
e2e_rpc_seconds_sum 12.5 {t0}
e2e_rpc_seconds_count 200 {t0}
"""
    sample_lines = [l for l in text.splitlines() if l.strip() and not l.startswith("#")]
    r = server.post("/api/v1/import/prometheus", data=text.encode(), headers={"Content-Type": "text/plain; version=0.0.4"})
    assert ok_json(r)["accepted"] == len(sample_lines)

    # rate of the counter: 120 over 120 s and 9 over 120 s (window ends 1 ms after the last sample).
    body = ok_json(server.query("e2e_http_requests_total", "rate", from_=t0, to=t0 + 120_001, by="code"))
    got = {k: v[0][1] for k, v in series_by(body, "code").items()}
    assert got.keys() == {"200", "500"}, body
    assert got["200"] == pytest.approx(1.0, rel=0.02)
    assert got["500"] == pytest.approx(9 / 120, rel=0.02)

    body = ok_json(server.query("e2e_room_temperature_celsius", "last", from_=t0 - MINUTE, to="now", where="room=lab"))
    assert single_value(body) == 22.25
    body = ok_json(server.query("e2e_queue_depth", "last", from_="-5m", to="now"))
    assert single_value(body) == 7

    catalog = {m["name"]: m for m in ok_json(server.get("/api/v1/metrics"))["metrics"]}
    assert catalog["e2e_http_requests_total"]["kind"] == "counter"
    assert sorted(catalog["e2e_http_requests_total"]["tags"]["method"]) == ["GET", "POST"]
    assert catalog["e2e_room_temperature_celsius"]["kind"] == "gauge"
    assert any(n.startswith("e2e_req_seconds") for n in catalog), f"histogram not stored: {sorted(catalog)}"
    assert any(n.startswith("e2e_rpc_seconds") for n in catalog), f"summary not stored: {sorted(catalog)}"


# ------------------------------------------------------------------------- bad input


def test_malformed_json_400_with_position(server, baseline):
    r = server.post(
        "/api/v1/metrics",
        data=b'{"metrics": [{"name": "e2e.malformed", "kind": "gauge", "value": 1,}',
        headers={"Content-Type": "application/json"},
    )
    message = error_of(r, 400, "bad_request")
    assert_mentions(message, r"(position|offset|line|column|byte|char)\D{0,12}\d+")
    r = server.post("/api/v1/metrics", data=b"not json at all", headers={"Content-Type": "application/json"})
    error_of(r, 400, "bad_request")
    r = server.post("/api/v1/metrics", data=b'{"metrics": 5}', headers={"Content-Type": "application/json"})
    assert_mentions(error_of(r, 400, "bad_request"), "metrics")
    assert_baseline_intact(server, baseline)


def test_per_item_rejections_partial_success(server, baseline):
    now = now_ms()
    good = lambda i: {"name": "e2e.partial.good", "kind": "gauge", "value": i, "time": now - 60_000 + i}
    items = [
        good(0),
        {"name": "e2e.partial.bad", "kind": "bogus", "value": 1},
        good(1),
        {"name": "", "kind": "gauge", "value": 1},
        {"name": "n" * 257, "kind": "gauge", "value": 1},
        {"name": "e2e.partial.bad", "kind": "gauge", "value": 1, "tags": {f"k{i}": "v" for i in range(65)}},
        {"name": "e2e.partial.bad", "kind": "gauge", "value": 1, "tags": {"big": "x" * 1025}},
        {"name": "e2e.partial.bad", "kind": "gauge", "value": 1, "time": now + 11 * MINUTE},
        {"name": "e2e.partial.bad", "kind": "gauge", "value": 1, "time": now - 3 * 24 * 3600 * 1000},
        good(2),
        # At the limits: accepted.
        {"name": "e2e.partial.limit." + "n" * (256 - len("e2e.partial.limit.")), "kind": "gauge", "value": 1, "time": now - 1000},
        {"name": "e2e.partial.tags", "kind": "gauge", "value": 1, "time": now - 1000, "tags": {f"k{i}": "v" for i in range(64)}},
        {"name": "e2e.partial.tagvalue", "kind": "gauge", "value": 1, "time": now - 1000, "tags": {"big": "x" * 1024}},
    ]
    expectations = {
        1: [r"kind", r"bogus|unknown|invalid|must be"],
        3: [r"name", r"empty|missing|required|blank"],
        4: [r"name", r"256|long|length"],
        5: [r"tag", r"64|many"],
        6: [r"tag", r"1024|1 ?KiB|long|length|large"],
        7: [r"time", r"future|ahead"],
        8: [r"time", r"retention|old|past"],
    }
    body = ok_json(server.post_metrics(items))
    rejected = {rej["index"]: rej["error"] for rej in body["rejected"]}
    assert set(rejected) == set(expectations), f"rejected {rejected}"
    assert body["accepted"] == len(items) - len(expectations)
    for index, patterns in expectations.items():
        assert_mentions(rejected[index], *patterns)

    body = ok_json(server.query("e2e.partial.good", "count", from_=now - 2 * MINUTE, to="now"))
    assert single_value(body) == 3
    body = ok_json(server.query("e2e.partial.good", "last", from_=now - 2 * MINUTE, to="now"))
    assert single_value(body) == 2
    assert ok_json(server.query("e2e.partial.bad", "count", from_="-7d", to="now"))["series"] == []
    for name in ("e2e.partial.limit." + "n" * (256 - len("e2e.partial.limit.")), "e2e.partial.tags", "e2e.partial.tagvalue"):
        assert single_value(ok_json(server.query(name, "count", from_=now - MINUTE, to="now"))) == 1, name
    assert_baseline_intact(server, baseline)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "1e999", "-1e999"])
def test_non_finite_values_rejected_per_item(server, baseline, literal):
    t = now_ms() - 1000
    name = f"e2e.nonfinite.{literal.replace('-', 'minus')}"
    raw = (
        '{"metrics":['
        f'{{"name":"{name}","kind":"gauge","value":1,"time":{t}}},'
        f'{{"name":"{name}.bad","kind":"gauge","value":{literal},"time":{t}}},'
        f'{{"name":"{name}","kind":"gauge","value":2,"time":{t + 1}}}'
        "]}"
    )
    body = ok_json(server.post("/api/v1/metrics", data=raw.encode(), headers={"Content-Type": "application/json"}))
    assert body["accepted"] == 2, body
    assert [rej["index"] for rej in body["rejected"]] == [1], body
    assert_mentions(body["rejected"][0]["error"], r"value|nan|finite|infinit|overflow|range")
    assert single_value(ok_json(server.query(name, "last", from_=t - MINUTE, to="now"))) == 2
    assert ok_json(server.query(f"{name}.bad", "count", from_=t - MINUTE, to="now"))["series"] == []
    assert_baseline_intact(server, baseline)


def test_body_over_10_mib_is_413(server, baseline):
    t = now_ms() - 1000
    head = json.dumps({"name": "e2e.toobig", "kind": "gauge", "value": 1, "time": t})
    raw = ('{"metrics":[' + head + "]" + " " * (10 * MIB + 1024) + "}").encode()
    r = server.post("/api/v1/metrics", data=raw, headers={"Content-Type": "application/json"})
    assert_mentions(error_of(r, 413, "payload_too_large"), r"10 ?MiB|10485760|too large|limit|size")
    assert ok_json(server.query("e2e.toobig", "count", from_=t - MINUTE, to="now"))["series"] == []
    assert_baseline_intact(server, baseline)


def test_gzip_bomb_is_413_and_server_survives(server, baseline):
    t = now_ms() - 1000
    # Valid JSON once inflated (50 MiB of padding), so only the size can make it fail.
    inflated = ('{"metrics":[{"name":"e2e.bomb","kind":"gauge","value":1,"time":%d}]' % t).encode()
    bomb = gzip.compress(inflated + b" " * (50 * MIB) + b"}", compresslevel=9)
    assert len(bomb) < 1 * MIB
    r = server.post(
        "/api/v1/metrics", data=bomb, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}
    )
    error_of(r, 413, "payload_too_large")
    assert ok_json(server.query("e2e.bomb", "count", from_=t - MINUTE, to="now"))["series"] == []
    assert_baseline_intact(server, baseline)
    # And the raw-zeros variant.
    r = server.post(
        "/api/v1/metrics",
        data=gzip.compress(b"\0" * (50 * MIB), compresslevel=9),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    error_of(r, 413, "payload_too_large")
    assert_baseline_intact(server, baseline)


def test_query_parameter_errors_name_the_parameter(server, baseline):
    f = baseline["from"]
    cases = [
        (dict(metric="e2e.baseline.latency", stat="median", from_=f, to="now"), [r"stat", r"median"]),
        (dict(metric="e2e.baseline.latency", stat="p101", from_=f, to="now"), [r"stat"]),
        (dict(metric="e2e.baseline.latency", stat="p95", from_=now_ms(), to=f), [r"from|to", r"after|before|later|earlier"]),
        (dict(metric="e2e.baseline.latency", stat="p95", from_=f, to="now", step="10 parsecs"), [r"step"]),
        (dict(metric="e2e.baseline.latency", stat="p95", from_=f, to="now", step="abc"), [r"step"]),
        (dict(metric="e2e.baseline.latency", stat="p95", from_="yesterday-ish", to="now"), [r"from"]),
        (dict(metric="e2e.baseline.latency", stat="p95", from_=f, to="soon"), [r"\bto\b"]),
        (dict(metric="e2e.baseline.latency", stat="p95", from_=f, to="now", where="route"), [r"where"]),
        (dict(stat="p95", from_=f, to="now"), [r"metric"]),
    ]
    for params, patterns in cases:
        r = server.get("/api/v1/query", **params)
        message = error_of(r, 400, "bad_request")
        assert_mentions(message, *patterns)
    # An unknown metric is not an error: an empty series list.
    body = ok_json(server.query("e2e.never.written", "p95", from_=f, to="now"))
    assert body["series"] == []
    assert_baseline_intact(server, baseline)


@pytest.mark.parametrize(
    "method,path",
    [("DELETE", "/api/v1/metrics"), ("GET", "/api/v1/import/prometheus"), ("PUT", "/api/v1/query"), ("POST", "/healthz")],
)
def test_wrong_method_is_405(server, baseline, method, path):
    r = server.request(method, path, data=b"{}" if method != "GET" else None)
    error_of(r, 405, "method_not_allowed")
    assert_baseline_intact(server, baseline)


def test_prometheus_bad_line_400_stores_nothing(server, baseline):
    t = now_ms() - 1000
    text = (
        "# TYPE e2e_promfail_a counter\n"
        f'e2e_promfail_a{{x="1"}} 1 {t}\n'
        f"e2e_promfail_b 2 {t}\n"
        "this line is { not valid\n"
        f"e2e_promfail_c 3 {t}\n"
    )
    r = server.post("/api/v1/import/prometheus", data=text.encode(), headers={"Content-Type": "text/plain"})
    assert_mentions(error_of(r, 400, "bad_request"), r"line\D{0,3}4\b")
    for name in ("e2e_promfail_a", "e2e_promfail_b", "e2e_promfail_c"):
        assert ok_json(server.query(name, "count", from_=t - MINUTE, to="now"))["series"] == [], name
    names = {m["name"] for m in ok_json(server.get("/api/v1/metrics"))["metrics"]}
    assert not names & {"e2e_promfail_a", "e2e_promfail_b", "e2e_promfail_c"}, names

    # A bad value on line 2 (after a comment) is reported too.
    r = server.post(
        "/api/v1/import/prometheus", data=f"# HELP x y\ne2e_promfail_d abc {t}\n".encode(), headers={"Content-Type": "text/plain"}
    )
    assert_mentions(error_of(r, 400, "bad_request"), r"line\D{0,3}2\b")
    assert ok_json(server.query("e2e_promfail_d", "count", from_=t - MINUTE, to="now"))["series"] == []
    assert_baseline_intact(server, baseline)


# ------------------------------------------------------------------- config and limits


def write_config(path, *, port=None, data=None, limits=None) -> str:
    lines = ["server:", "  host: 127.0.0.1"]
    if port is not None:
        lines.append(f"  port: {port}")
    if data is not None:
        lines += ["storage:", f"  path: {data}"]
    if limits:
        lines.append("limits:")
        lines += [f"  {k}: {v}" for k, v in limits.items()]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_series_limit_422_and_body_limit_from_config(start_server, tmp_path):
    cfg = write_config(tmp_path / "perfwatch.yml", limits={"max_series_per_query": 5, "max_body_bytes": 65536})
    srv = start_server(tmp_path / "data", config=cfg)
    t = now_ms() - 1000
    post_ok(srv, [{"name": "e2e.limit.g", "kind": "gauge", "value": i, "time": t, "tags": {"host": f"h{i}"}} for i in range(6)])

    r = srv.query("e2e.limit.g", "last", from_="-5m", to="now", by="host")
    assert_mentions(error_of(r, 422, "unprocessable"), r"series", r"\b5\b")
    body = ok_json(srv.query("e2e.limit.g", "last", from_="-5m", to="now", by="host", where="host!=h0"))
    assert len(body["series"]) == 5
    body = ok_json(srv.query("e2e.limit.g", "last", from_="-5m", to="now", by="host", where="host=h3"))
    assert series_by(body, "host") == {"h3": [[body["from"], 3]]}

    # max_body_bytes from the same file.
    big = [{"name": "e2e.limit.body", "kind": "gauge", "value": i, "time": t} for i in range(2000)]
    assert len(json.dumps({"metrics": big})) > 65536
    error_of(srv.post_metrics(big), 413, "payload_too_large")
    assert ok_json(srv.query("e2e.limit.body", "count", from_="-5m", to="now"))["series"] == []
    assert_server_up(srv)


def test_config_precedence_flag_over_env_over_file(start_server, tmp_path):
    p_file, p_env, p_flag = free_port(), free_port(), free_port()
    while len({p_file, p_env, p_flag}) < 3:
        p_env, p_flag = free_port(), free_port()
    cfg = write_config(tmp_path / "perfwatch.yml", port=p_file, data=tmp_path / "from-file")

    srv = start_server(None, port=None, config=cfg, expect_port=p_file)
    assert f"listening on http://127.0.0.1:{p_file}" in srv.output()
    assert (tmp_path / "from-file").exists(), "storage.path from the config file was not used"
    srv.stop()

    srv = start_server(tmp_path / "d2", port=None, config=cfg, env={"PERFWATCH_PORT": str(p_env)}, expect_port=p_env)
    assert f"listening on http://127.0.0.1:{p_env}" in srv.output()
    srv.stop()

    srv = start_server(tmp_path / "d3", port=p_flag, config=cfg, env={"PERFWATCH_PORT": str(p_env)})
    assert f"listening on http://127.0.0.1:{p_flag}" in srv.output()
    srv.stop()


def test_second_server_on_same_data_dir_refuses(server, start_server, baseline):
    second = start_server(server.data_dir, wait=False)
    code = second.wait_exit(15)
    assert code is not None, f"second server on {server.data_dir} is still running:\n{second.output()}"
    assert code != 0, second.output()
    assert re.search(r"lock", second.output(), re.IGNORECASE), f"no mention of the lock:\n{second.output()}"
    assert_baseline_intact(server, baseline)


# ----------------------------------------------------------------------------- ops


def test_health_ready_and_self_metrics(server):
    r = requests.get(server.url + "/healthz", timeout=5)
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert requests.get(server.url + "/readyz", timeout=5).status_code == 200

    t = now_ms() - 1000
    body = ok_json(
        server.post_metrics(
            [
                {"name": "e2e.self.g", "kind": "gauge", "value": 1, "time": t},
                {"name": "e2e.self.g", "kind": "nope", "value": 1, "time": t},
            ]
        )
    )
    assert body["accepted"] == 1
    r = requests.get(server.url + "/metrics", timeout=5)
    assert r.status_code == 200
    assert r.headers.get("Content-Type", "").startswith("text/plain"), r.headers
    m = re.search(r"^perfwatch_ingested_samples_total(?:\{[^}]*\})? ([0-9.e+]+)", r.text, re.MULTILINE)
    assert m, r.text[:2000]
    assert float(m.group(1)) >= 1
    assert re.search(r'^perfwatch_rejected_samples_total\{reason="[^"]+"\} [1-9]', r.text, re.MULTILINE), r.text[:2000]
    assert "perfwatch_queue_depth" in r.text


def test_sse_ingest_event(server):
    lines: queue.Queue = queue.Queue()
    stop = threading.Event()
    holder = {}

    def reader():
        try:
            resp = requests.get(server.url + "/api/v1/events", stream=True, timeout=(5, 30))
            holder["resp"] = resp
            holder["status"] = resp.status_code
            holder["ctype"] = resp.headers.get("Content-Type", "")
            for line in resp.iter_lines(decode_unicode=True):
                lines.put(line)
                if stop.is_set():
                    break
        except Exception as e:  # surfaced through the queue
            lines.put(e)

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    time.sleep(0.5)  # let the stream subscribe
    name = "e2e.sse.gauge"
    post_ok(server, [{"name": name, "kind": "gauge", "value": 1}])
    posted = time.monotonic()

    event, data = None, None
    while time.monotonic() - posted < 3.0:
        try:
            line = lines.get(timeout=max(0.01, 3.0 - (time.monotonic() - posted)))
        except queue.Empty:
            break
        if isinstance(line, Exception):
            pytest.fail(f"SSE stream failed: {line!r}")
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == "ingest":
            data = json.loads(line.split(":", 1)[1])
            if name in data.get("metrics", []):
                break
    stop.set()
    if "resp" in holder:
        holder["resp"].close()
    assert holder.get("status") == 200, holder
    assert holder.get("ctype", "").startswith("text/event-stream"), holder
    assert event == "ingest" and data is not None, "no `event: ingest` within 3 s of the POST"
    assert name in data["metrics"], data
    assert data["samples"] >= 1 and isinstance(data["time"], int), data


# Last in the file: the host sampler records every 10 s.
def test_host_metrics_recorded(server):
    deadline = time.monotonic() + 30
    last_body = None
    while time.monotonic() < deadline:
        r = server.query("system.cpu.percent", "last", from_="-5m", to="now")
        if r.status_code == 200 and r.json()["series"]:
            last_body = r.json()
            break
        time.sleep(1)
    assert last_body, "system.cpu.percent not recorded within 30 s of server start"
    value = single_value(last_body)
    assert 0 <= value <= 100
    for name in ("system.memory.percent", "process.memory.rss_bytes"):
        body = ok_json(server.query(name, "last", from_="-5m", to="now"))
        assert body["series"], f"{name} not recorded"
    rss = single_value(ok_json(server.query("process.memory.rss_bytes", "last", from_="-5m", to="now")))
    assert 1_000_000 < rss < 4_000_000_000

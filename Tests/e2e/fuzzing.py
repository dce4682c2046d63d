"""Black-box fuzzing of a running `perfwatch serve`: seed requests of every kind the server
accepts, mutators over bodies, parameters, methods, paths and headers, two clients (requests
for well-formed HTTP, a raw socket for malformed HTTP), and the verdict on each answer.

Everything is driven by one `random.Random(seed)`, so a failing run is replayed by its seed.
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import json
import random
import re
import socket
import time
import urllib.parse
import uuid
import zlib

import requests
import urllib3

from conftest import now_ms
from otlp_payloads import (
    json_gauge_metrics,
    json_histogram_metrics,
    json_traces,
    nested_json_value,
    pb_gauge_metrics,
    pb_histogram_metrics,
    pb_traces,
    simple_span,
)

REQUEST_TIMEOUT_S = 10.0
MAX_READ = 1 << 20

# Numbers that break conversions and sketches: beyond Int64/UInt64, subnormal, negative zero,
# and the spellings of not-a-number some parsers accept.
HUGE_NUMBERS = [
    "1e308", "-1e308", "1e309", "-1e19", "1e19", "1e20", "9.3e18", "9223372036854775807", "9223372036854775808",
    "-9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616",
    "99999999999999999999999999999", "5e-324", "-0", "0", "NaN", "\"NaN\"", "Infinity", "-Infinity", "\"inf\"",
    "1e-400", "0.0000000000000000000001", "4294967296", "2147483648", "-1",
]
# Values for query parameters: times, durations, limits.
PARAM_VALUES = HUGE_NUMBERS + [
    "now", "-1h", "-9999999999999999w", "-153722867280912w", "-106751991167d", "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z", "2024-02-30T25:61:61Z", "1970-01-01T00:00:00.000000000001Z", "", " ", "%00", "\u0000",
    "10 parsecs", "1h30m", "999999999999999999999h", "1ms" * 200, "x" * 5000, "é", "\uffff", "[", "{", "*",
    "p99.9", "p100", "p-1", "p1e308", "rate", "count", "sum", "last", "max", "min", "avg",
]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "CONNECT", "PROPFIND", "FOO", "get"]
CONTENT_TYPES = [
    "application/json", "application/x-protobuf", "application/protobuf", "text/plain", "text/plain; version=0.0.4",
    "application/xml", "multipart/form-data; boundary=x", "", "application/json; charset=utf-16", "*/*", "\x00",
]
CONTENT_ENCODINGS = ["gzip", "deflate", "br", "zstd", "identity", "gzip, gzip", "x-gzip", "", "GZIP", "compress"]


@dataclasses.dataclass
class Req:
    method: str
    path: str  # with its query string
    headers: dict[str, str]
    body: bytes = b""
    kind: str = ""  # the seed it came from, for reports
    raw: bytes | None = None  # when set: sent as is over a socket (malformed HTTP)

    def describe(self) -> dict:
        out = {"kind": self.kind, "method": self.method, "path": self.path, "headers": self.headers,
               "body_b64": base64.b64encode(self.body).decode(), "body_len": len(self.body)}
        if self.raw is not None:
            out["raw_b64"] = base64.b64encode(self.raw).decode()
        return out


# -- seeds -----------------------------------------------------------------------------------

def seeds(rum_key: str, rng: random.Random) -> list[Req]:
    """One or more valid requests of every kind the server takes (each answers 2xx as sent)."""
    now = now_ms()
    ns = time.time_ns()
    J = {"Content-Type": "application/json"}
    P = {"Content-Type": "application/x-protobuf"}
    out: list[Req] = []

    def add(kind, method, path, body=b"", headers=None):
        out.append(Req(method, path, dict(headers or {}), body if isinstance(body, bytes) else body.encode(), kind))

    metrics = {"metrics": [
        {"name": "fz.req", "kind": "counter", "value": 3, "tags": {"route": "/a", "code": "200"}, "time": now - 1000},
        {"name": "fz.mem", "kind": "gauge", "value": 123.5, "unit": "bytes"},
        {"name": "fz.lat", "kind": "timing", "value": 12.25, "unit": "ms", "tags": {"route": "/b"}, "time": now},
    ]}
    add("json-metrics", "POST", "/api/v1/metrics", json.dumps(metrics), J)
    add("json-metrics-gzip", "POST", "/api/v1/metrics", gzip.compress(json.dumps(metrics).encode()),
        {**J, "Content-Encoding": "gzip"})
    prom = (
        "# HELP fz_http_requests_total Requests.\n# TYPE fz_http_requests_total counter\n"
        f'fz_http_requests_total{{code="200",method="get"}} 1027 {now}\n'
        'fz_http_requests_total{code="500",method="post"} 3\n'
        "# TYPE fz_temp gauge\nfz_temp 21.5\n"
        "# TYPE fz_latency histogram\n"
        'fz_latency_bucket{le="0.1"} 5\nfz_latency_bucket{le="1"} 9\nfz_latency_bucket{le="+Inf"} 10\n'
        "fz_latency_sum 3.5\nfz_latency_count 10\n"
        "# TYPE fz_summary summary\nfz_summary{quantile=\"0.5\"} 2\nfz_summary_sum 10\nfz_summary_count 4\n"
    )
    add("prometheus", "POST", "/api/v1/import/prometheus", prom, {"Content-Type": "text/plain; version=0.0.4"})
    add("prometheus-gzip", "POST", "/api/v1/import/prometheus", gzip.compress(prom.encode()),
        {"Content-Type": "text/plain", "Content-Encoding": "gzip"})

    tid = uuid.UUID(int=rng.getrandbits(128)).hex
    spans = [simple_span(tid, "1" * 16, name="GET /fz", **{"db.statement": "SELECT 1", "user.id": 42}),
             {**simple_span(tid, "2" * 16, name="SELECT"), "parent": "1" * 16}]
    add("otlp-traces-pb", "POST", "/v1/traces", pb_traces("fz-svc", spans), P)
    add("otlp-traces-pb-gzip", "POST", "/v1/traces", gzip.compress(pb_traces("fz-svc", spans)), {**P, "Content-Encoding": "gzip"})
    add("otlp-traces-json", "POST", "/v1/traces", json_traces("fz-svc", spans), J)
    nested = simple_span(tid, "3" * 16, name="nested")
    nested["attributes"]["deep"] = nested_json_value(4)
    add("otlp-traces-json-nested", "POST", "/v1/traces", json_traces("fz-svc", [nested]), J)
    add("otlp-traces-json-gzip", "POST", "/v1/traces", gzip.compress(json_traces("fz-svc", spans)), {**J, "Content-Encoding": "gzip"})
    add("otlp-metrics-pb-gauge", "POST", "/v1/metrics", pb_gauge_metrics("fz.otlp.gauge", 2.5, {"host": "a"}), P)
    add("otlp-metrics-pb-hist", "POST", "/v1/metrics", pb_histogram_metrics("fz.otlp.hist", 10, [2, 3, 5], [5.0, 50.0], 123.0), P)
    add("otlp-metrics-pb-gzip", "POST", "/v1/metrics",
        gzip.compress(pb_histogram_metrics("fz.otlp.hist", 4, [1, 3], [5.0], 12.0)), {**P, "Content-Encoding": "gzip"})
    add("otlp-metrics-json-gauge", "POST", "/v1/metrics", json_gauge_metrics("fz.otlp.gauge", 1.5, {"host": "b"}), J)
    add("otlp-metrics-json-hist", "POST", "/v1/metrics", json_histogram_metrics("fz.otlp.hist", 10, [2, 3, 5], [5.0, 50.0], 123.0), J)
    sum_metric = {"resourceMetrics": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "fz"}}]},
                  "scopeMetrics": [{"metrics": [
                      {"name": "fz.otlp.sum", "sum": {"aggregationTemporality": 2, "isMonotonic": True, "dataPoints": [
                          {"startTimeUnixNano": str(ns - 10**10), "timeUnixNano": str(ns), "asInt": "42"}]}},
                      {"name": "fz.otlp.exp", "exponentialHistogram": {"aggregationTemporality": 1, "dataPoints": [
                          {"startTimeUnixNano": str(ns - 10**10), "timeUnixNano": str(ns), "count": "3", "sum": 7.5, "scale": 3,
                           "zeroCount": "0", "positive": {"offset": 2, "bucketCounts": ["1", "2"]}}]}},
                      {"name": "fz.otlp.summary", "summary": {"dataPoints": [
                          {"timeUnixNano": str(ns), "count": "4", "sum": 10, "quantileValues": [{"quantile": 0.5, "value": 2}]}]}},
                  ]}]}]}
    add("otlp-metrics-json-sum", "POST", "/v1/metrics", json.dumps(sum_metric), J)
    add("otlp-logs", "POST", "/v1/logs", b"{}", J)

    beacon = {"v": 1, "key": rum_key, "pv": f"fz-{rng.getrandbits(32)}", "sid": "s1", "url": "/courses/42?x=1", "rel": "fz-1",
              "t": now, "vw": 1280, "vh": 800, "ref": "https://google.com/",
              "vitals": {"lcp": 1200.5, "cls": 0.02, "fcp": 800, "ttfb": 120, "inp": 80},
              "nav": {"dns": 3, "tcp": 5, "tls": 7, "ttfb": 120, "load": 2000},
              "res": {"script": {"n": 3, "b": 300_000}, "img": {"n": 2, "b": 1000}},
              "errors": [{"kind": "error", "msg": "TypeError: x is undefined", "src": "app.js", "line": 3, "col": 7, "stack": "at f (app.js:3:7)"}],
              "journeys": [{"id": "j1", "type": "booking", "target": 5000, "start": now - 4000, "state": "completed", "end": now,
                            "steps": [{"name": "select", "t": 200}, {"name": "pay", "t": 3000}]}]}
    rum_headers = {"Content-Type": "text/plain;charset=UTF-8", "Origin": "https://shop.example.com",
                   "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"}
    add("rum-beacon", "POST", "/api/v1/rum", json.dumps(beacon), rum_headers)
    add("rum-preflight", "OPTIONS", "/api/v1/rum", b"", {"Origin": "https://shop.example.com", "Access-Control-Request-Method": "POST"})

    rule = {"alert": f"Fz{rng.getrandbits(20)}", "query": {"metric": "fz.lat", "stat": "p95", "window": "30s",
            "where": ["route=/b"]}, "op": ">", "threshold": 100, "group": "fz", "interval": "10s", "for": "1m",
            "labels": {"severity": "warning"}, "annotations": {"summary": "slow"}}
    add("alert-rule", "POST", "/api/v1/alert-rules", json.dumps(rule), J)
    add("alert-rule-put", "PUT", f"/api/v1/alert-rules/{rule['alert']}", json.dumps(rule), J)
    add("alert-rule-delete", "DELETE", "/api/v1/alert-rules/FzNone", b"")
    add("silence", "POST", "/api/v1/silences",
        json.dumps({"matchers": ["alertname=Fz", "route=~/a.*"], "duration": "1h", "createdBy": "fz", "comment": "c"}), J)
    add("silence-delete", "DELETE", "/api/v1/silences/1", b"")
    add("ack", "POST", "/api/v1/alerts/none/ack", json.dumps({"by": "fz"}), J)
    add("rules-reload", "POST", "/api/v1/rules/reload", b"")
    load = {"name": "fz-run", "startMs": now - 60_000, "endMs": now, "passed": True,
            "total": {"count": 10, "errors": 0, "rate": 5.0, "latency": {"p95": 12.5}},
            "requests": [{"name": "GET /", "count": 10, "errors": 0, "latency": {"p50": 3, "p95": 12.5, "max": 20}}]}
    add("load-run", "POST", "/api/v1/load-runs", json.dumps(load), J)
    add("deployment", "POST", "/api/v1/deployments",
        json.dumps({"service": "fz", "version": "1.2.3", "time": "-30m", "environment": "prod", "description": "d"}), J)
    add("optimization", "POST", "/api/v1/optimizations",
        json.dumps({"type": "cache", "description": "cache it", "route": "/a", "service": "fz", "appliedAt": now - 1000}), J)
    add("optimization-apply", "POST", "/api/v1/optimizations/1/apply", json.dumps({"appliedAt": now}), J)
    add("issue-patch", "PATCH", "/api/v1/issues/1", json.dumps({"status": "resolved"}), J)
    add("analysis", "POST", "/api/v1/analysis/run?window=15m", b"")

    def get(kind, path, **params):
        add(kind, "GET", path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else ""))

    get("query", "/api/v1/query", metric="fz.lat", stat="p95", **{"from": "-1h"}, to="now", step="1m", by="route",
        where=["route=/b", "route!=/x"])
    get("query-rate", "/api/v1/query", metric="fz_http_requests_total", stat="rate", **{"from": str(now - 600_000)}, to=str(now))
    get("catalog", "/api/v1/metrics")
    get("traces", "/api/v1/traces", service="fz-svc", min_duration="5", limit="20", order="duration", **{"from": "-1h"}, to="now")
    get("trace", f"/api/v1/traces/{tid}")
    get("routes", "/api/v1/routes", **{"from": "-1h"})
    get("bottlenecks", "/api/v1/routes/bottlenecks", route="/fz", service="fz-svc", **{"from": "-1h"})
    get("db-queries", "/api/v1/db/queries", **{"from": "-1h"})
    get("vitals", "/api/v1/vitals", **{"from": "-1h"}, by="page")
    get("journeys", "/api/v1/journeys", **{"from": "-1h"})
    get("errors", "/api/v1/errors", **{"from": "-1h"}, to="now")
    get("trends", "/api/v1/trends", metric="p95", route="/fz")
    get("issues", "/api/v1/issues", status="open")
    get("deployments", "/api/v1/deployments", service="fz", **{"from": "-1d"})
    get("deployment-impact", "/api/v1/deployments/1/impact")
    get("load-runs", "/api/v1/load-runs", limit="10")
    get("load-compare", "/api/v1/load-runs/compare", a="1", b="1")
    get("alerts", "/api/v1/alerts", state="firing")
    get("alert-rules", "/api/v1/alert-rules")
    get("silences", "/api/v1/silences")
    get("notifications", "/api/v1/alerts/notifications")
    get("optimizations", "/api/v1/optimizations")
    get("overview", "/api/v1/overview")
    get("rum-setup", "/api/v1/rum/setup")
    get("self-metrics", "/metrics")
    get("readyz", "/readyz")
    get("dashboard", "/")
    get("asset", "/assets/app.js")
    get("snippet", "/rum.js")
    return out


# Seeds that name something absent on purpose (the paths are still worth mutating): 404 is their answer.
ABSENT_SEEDS = {"otlp-logs", "alert-rule-delete", "silence-delete", "ack", "issue-patch"}

# Streams never end by design; the fuzzer reads their headers only.
STREAMING_PATHS = ("/api/v1/events", "/api/v1/alerts/stream")


# -- mutators ----------------------------------------------------------------------------------

NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    op = rng.randrange(9)
    if not b:
        op = 1
    if op == 0:  # bit flips
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif op == 1:  # insert bytes
        i = rng.randint(0, len(b))
        chunk = rng.choice([bytes([rng.randrange(256)]), b"\x00", b"\xff" * 4, b'"', b"{", b"[", b"\\u0000", b"\x5b", b"\x0a",
                            bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))])
        b[i:i] = chunk
    elif op == 2:  # delete a range
        i = rng.randrange(len(b))
        del b[i:i + rng.randint(1, 16)]
    elif op == 3:  # truncate
        del b[rng.randrange(len(b)):]
    elif op == 4:  # duplicate a chunk in place, up to a few times
        i = rng.randrange(len(b))
        chunk = bytes(b[i:i + rng.randint(1, 64)])
        b[i:i] = chunk * rng.randint(1, 50)
    elif op == 5:  # a number replaced by a huge/odd one
        numbers = list(NUMBER.finditer(bytes(b)))
        if numbers:
            m = rng.choice(numbers)
            b[m.start():m.end()] = rng.choice(HUGE_NUMBERS).encode()
    elif op == 6:  # set a byte to an interesting value
        i = rng.randrange(len(b))
        b[i] = rng.choice([0x00, 0x7F, 0x80, 0xFF, 0x5B, 0x0A, 0x22, 0x5C])
    elif op == 7:  # a varint made long (protobuf) / a run of digits (text)
        i = rng.randrange(len(b))
        b[i:i] = rng.choice([b"\xff" * 10 + b"\x01", b"\x80" * 11, b"9" * 40])
    else:  # swap two chunks
        i, j = sorted(rng.randrange(len(b)) for _ in range(2))
        n = rng.randint(1, 32)
        b[i:i + n], b[j:j + n] = b[j:j + n], b[i:i + n]
    return bytes(b)


def mutate_json(data: bytes, rng: random.Random) -> bytes | None:
    """Structure-aware: replace one scalar with a huge/odd value or a deeply nested one;
    None when the body is not JSON (or too deep for Python's own parser)."""
    try:
        return _mutate_json(json.loads(data), rng)
    except (ValueError, RecursionError):
        return None


def _mutate_json(doc, rng: random.Random) -> bytes | None:
    slots: list[tuple[object, object]] = []

    def walk(node, depth=0):
        if depth > 30:
            return
        if isinstance(node, dict):
            for k, v in node.items():
                slots.append((node, k))
                walk(v, depth + 1)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                slots.append((node, i))
                walk(v, depth + 1)

    walk(doc)
    if not slots:
        return None
    parent, key = rng.choice(slots)
    choice = rng.randrange(7)
    if choice == 0:
        parent[key] = "__HOLE__"
        return json.dumps(doc).replace('"__HOLE__"', rng.choice(HUGE_NUMBERS), 1).encode()
    if choice == 1:
        depth = rng.choice([100, 511, 513, 2000, 100_000])
        opener, closer = rng.choice([("[", "]"), ('{"a":', "}")])
        parent[key] = "__HOLE__"
        return json.dumps(doc).replace('"__HOLE__"', opener * depth + "1" + closer * depth, 1).encode()
    if choice == 2:
        parent[key] = rng.choice([None, True, "", "x" * rng.choice([1000, 70_000]), [], {}, -1, 0.5, "\u0000\ud7ff"])
    elif choice == 3:
        parent[key] = nested_json_value(rng.choice([8, 26, 40, 60]))
    elif choice == 4 and isinstance(parent, dict):
        del parent[key]
    elif choice == 5 and isinstance(parent, list) and parent:
        parent.extend([parent[key]] * rng.choice([2, 100, 5000]))
    else:
        parent[key] = [parent[key]] * rng.randint(2, 5)
    return json.dumps(doc).encode()


def mutate_query(path: str, rng: random.Random) -> str:
    base, _, query = path.partition("?")
    params = urllib.parse.parse_qsl(query, keep_blank_values=True)
    op = rng.randrange(5)
    if params and op < 3:
        i = rng.randrange(len(params))
        params[i] = (params[i][0], rng.choice(PARAM_VALUES))
    elif op == 3:
        name = rng.choice(["from", "to", "step", "limit", "min_duration", "window", "by", "where", "stat", "metric", "order",
                           "state", "a", "b", "service", "x" * 300])
        params.append((name, rng.choice(PARAM_VALUES)))
    elif params:
        params += params * rng.randint(1, 20)
    return base + ("?" + urllib.parse.urlencode(params) if params else "")


def mutate_path(path: str, rng: random.Random) -> str:
    base, sep, query = path.partition("?")
    op = rng.randrange(6)
    if op == 0:
        base = base.replace("/", "//", 1)
    elif op == 1:
        base = base + rng.choice(["/", "/..", "/%2e%2e/%2e%2e/etc/passwd", "/x", ";a", "%00", "/" + "a" * 5000])
    elif op == 2:
        parts = base.split("/")
        parts[rng.randrange(len(parts))] = rng.choice(["", "..", ".", "%ff", "0", "-1", "9" * 30, "é", "%2F", "A" * 300])
        base = "/".join(parts) or "/"
    elif op == 3:
        base = rng.choice(["/api/v1/traces/" + "f" * 32, "/api/v1/traces/" + "Z" * 32, "/api/v1/load-runs/99999999999999999999",
                           "/api/v1/deployments/-1/impact", "/api/v1/issues/1e308", "/assets/../Package.swift",
                           "/assets/%2e%2e%2fPackage.swift", "/api/v1/optimizations/0/apply", "/v1/../api/v1/metrics",
                           "/api/v1/alert-rules/" + "%00" * 10, "/api/v2/query", "/API/V1/QUERY"])
    elif op == 4:
        base = base.upper()
    else:
        base = urllib.parse.quote(base, safe="")[:1] + base[1:]
    return base + sep + query


_BOMBS: dict[int, bytes] = {}


def gzip_bomb(size: int) -> bytes:
    if size not in _BOMBS:
        _BOMBS[size] = gzip.compress(b"[" * size, compresslevel=9)
    return _BOMBS[size]


def mutate_headers(headers: dict[str, str], body: bytes, rng: random.Random) -> tuple[dict[str, str], bytes]:
    h = dict(headers)
    op = rng.randrange(7)
    if op == 0:
        h["Content-Type"] = rng.choice(CONTENT_TYPES)
    elif op == 1:
        encoding = rng.choice(CONTENT_ENCODINGS)
        h["Content-Encoding"] = encoding
        if encoding == "gzip" and rng.random() < 0.5:
            body = gzip.compress(body)
            if rng.random() < 0.5:  # a bomb: small on the wire, huge (and deeply nested) inflated
                body = gzip_bomb(rng.choice([600, 50_000_000]))
        elif encoding == "deflate" and rng.random() < 0.5:
            body = zlib.compress(body)
    elif op == 2:
        h[f"X-Fuzz-{rng.randrange(1000)}"] = "v" * rng.choice([10, 8_000, 70_000])
    elif op == 3:
        for i in range(rng.choice([50, 200])):
            h[f"X-Many-{i}"] = str(i)
    elif op == 4:
        h.pop("Content-Type", None)
    elif op == 5:
        h["Accept-Encoding"] = rng.choice(["gzip", "br", "*", "gzip;q=0", "x" * 1000])
    else:
        h["Transfer-Encoding"] = "chunked"  # requests then sends a chunked body
    return h, body


def mutate(seed: Req, all_seeds: list[Req], rng: random.Random) -> Req:
    r = Req(seed.method, seed.path, dict(seed.headers), seed.body, seed.kind)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        op = rng.random()
        if op < 0.35 and r.body:
            r.body = mutate_bytes(r.body, rng)
        elif op < 0.55 and r.body:
            r.body = mutate_json(r.body, rng) or mutate_bytes(r.body, rng)
        elif op < 0.68:
            r.path = mutate_query(r.path, rng)
        elif op < 0.74:
            r.path = mutate_path(r.path, rng)
        elif op < 0.80:
            r.method = rng.choice(METHODS)
        elif op < 0.90:
            r.headers, r.body = mutate_headers(r.headers, r.body, rng)
        elif op < 0.95:  # a body sent where another kind is expected
            other = rng.choice(all_seeds)
            r.body, r.headers = other.body, dict(other.headers)
        elif r.body:  # splice two bodies
            other = rng.choice(all_seeds).body
            cut = rng.randrange(len(r.body))
            r.body = r.body[:cut] + other[rng.randrange(len(other)) if other else 0:]
    r.kind = seed.kind
    return r


def malformed_http(seed: Req, host: str, rng: random.Random) -> Req:
    """Bytes a client library would never send: broken request lines, headers, framing."""
    body = seed.body
    path = seed.path
    lines = [f"{seed.method} {path} HTTP/1.1", f"Host: {host}"] + [f"{k}: {v}" for k, v in seed.headers.items()]
    op = rng.randrange(12)
    length = len(body)
    if op == 0:
        lines[0] = rng.choice([f"{seed.method} {path} HTTP/9.9", f"{seed.method}  {path}  HTTP/1.1", f"{seed.method} {path}",
                               f"{seed.method}{path} HTTP/1.1", f"{seed.method} * HTTP/1.1", f"{seed.method} http://evil{path} HTTP/1.1",
                               f"{seed.method} {path} HTTP/1.1 extra", "\x00\x01\x02", f"{seed.method} /{'a' * 100_000} HTTP/1.1"])
    elif op == 1:
        length = rng.choice([length + rng.randint(1, 100), max(0, length - rng.randint(1, 50)), -1, 2**63, 2**64,
                             "abc", "1e3", " 10", "+5", "0x10"])
    elif op == 2:
        lines.append(f"Content-Length: {length + 1}")  # two different lengths
    elif op == 3:
        lines.append("Transfer-Encoding: chunked")  # with Content-Length too
    elif op == 4:
        chunk = rng.choice([f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n",
                            b"ffffffffffffffffffff\r\n" + body + b"\r\n0\r\n\r\n",
                            b"-1\r\n" + body, f"{len(body):x};ext=\"x\r\n".encode() + body + b"\r\n0\r\n\r\n",
                            f"{len(body) + 5:x}\r\n".encode() + body + b"\r\n0\r\n\r\n"])
        lines = [l for l in lines if not l.lower().startswith("content-length")] + ["Transfer-Encoding: chunked"]
        head = "\r\n".join(lines).encode() + b"\r\n\r\n"
        return Req(seed.method, path, seed.headers, body, seed.kind + "+chunked", head + chunk)
    elif op == 5:
        lines.append("X-No-Colon-Here")
    elif op == 6:
        lines.append("X-Folded: a\r\n continued")
    elif op == 7:
        lines += [f"X-H{i}: {'v' * 100}" for i in range(rng.choice([100, 1000, 5000]))]
    elif op == 8:
        lines.append("X-Big: " + "b" * rng.choice([65_536, 1_000_000]))
    elif op == 9:
        lines[1] = "Host: " + rng.choice(["", "a b", "[::1", "x" * 5000])
    elif op == 10:
        lines.append("Expect: 100-continue")
    else:
        lines.append("X-Bin: " + "".join(chr(rng.randrange(1, 32)) for _ in range(20)))
    lines.append(f"Content-Length: {length}")
    head = "\r\n".join(lines).encode("latin-1", "replace") + b"\r\n\r\n"
    return Req(seed.method, path, seed.headers, body, seed.kind + "+raw", head + body)


# -- sending and judging -------------------------------------------------------------------------

@dataclasses.dataclass
class Outcome:
    status: int | None = None  # the (first) answer's status
    retry_after: bool = False
    error: str | None = None  # "hang", "reset", "closed" ... when there was no answer
    took: float = 0.0
    message: str = ""

    def failure(self, raw: bool) -> str | None:
        """The failure class, or None when the answer is acceptable."""
        if self.error == "hang":
            return "hang"
        if self.error is not None:
            # A client library's well-formed request must get an answer; malformed bytes may be closed on.
            return None if raw else self.error
        if self.status is not None and self.status >= 500:
            if self.status in (503, 429) and self.retry_after:
                return None
            return f"http-{self.status}"
        return None


def send(session: requests.Session, base_url: str, req: Req, timeout: float = REQUEST_TIMEOUT_S) -> Outcome:
    started = time.monotonic()
    try:
        r = session.request(req.method, base_url + req.path, data=req.body if req.body or req.method != "GET" else None,
                            headers=req.headers, timeout=timeout, stream=True, allow_redirects=False)
        try:
            streaming = any(req.path.split("?")[0].rstrip("/").endswith(p) for p in STREAMING_PATHS) or \
                "text/event-stream" in r.headers.get("Content-Type", "")
            # A HEAD answer has no body whatever its Content-Length says.
            body = b"" if streaming or req.method.upper() == "HEAD" else r.raw.read(MAX_READ, decode_content=False)
        finally:
            r.close()
        return Outcome(status=r.status_code, retry_after="Retry-After" in r.headers, took=time.monotonic() - started,
                       message=body[:300].decode("utf-8", "replace"))
    except (requests.Timeout, socket.timeout, urllib3.exceptions.ReadTimeoutError) as e:
        return Outcome(error="hang", took=time.monotonic() - started, message=str(e)[:300])
    except (requests.ConnectionError, urllib3.exceptions.ProtocolError) as e:
        text = str(e)
        kind = "reset" if ("reset" in text.lower() or "aborted" in text.lower() or "RemoteDisconnected" in text) else "connection-error"
        if "Read timed out" in text:
            kind = "hang"
        return Outcome(error=kind, took=time.monotonic() - started, message=text[:300])
    except requests.RequestException as e:
        # Client-side refusals (invalid header values and the like): the request never left.
        return Outcome(status=0, took=time.monotonic() - started, message=f"client: {e}"[:300])


STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3})")


def send_raw(host: str, port: int, data: bytes, timeout: float = REQUEST_TIMEOUT_S) -> Outcome:
    """Sends bytes as is; waits for an answer, half-closes after a quiet moment (so a server
    waiting for a body it was promised sees the end), and judges the first answer."""
    started = time.monotonic()
    got = b""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            try:
                s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server refused mid-send: its answer (if any) is still readable
            s.settimeout(2.0)
            half_closed = False
            deadline = started + timeout
            while time.monotonic() < deadline:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    if not half_closed:
                        s.shutdown(socket.SHUT_WR)
                        half_closed = True
                        continue
                    if got:
                        break  # a keep-alive connection idling after its answer
                    continue
                except ConnectionResetError:
                    return _raw_outcome(got, started, "reset")
                if not chunk:
                    return _raw_outcome(got, started, None if got else "closed")
                got += chunk
                if len(got) > MAX_READ:
                    break
                # Answers come at once once one has: a short quiet spell ends a kept-alive exchange.
                s.settimeout(0.3)
            if not got and time.monotonic() >= deadline:
                return Outcome(error="hang", took=time.monotonic() - started)
            return _raw_outcome(got, started, None)
    except ConnectionRefusedError:
        return Outcome(error="refused", took=time.monotonic() - started)
    except OSError as e:
        return Outcome(error="connection-error", took=time.monotonic() - started, message=str(e))


def _raw_outcome(got: bytes, started: float, error: str | None) -> Outcome:
    took = time.monotonic() - started
    statuses = [int(m.group(1)) for m in STATUS_LINE.finditer(got)]
    if not statuses:
        return Outcome(error=error or "closed", took=took, message=got[:200].decode("latin-1"))
    worst = max(statuses)  # pipelined leftovers get their own answers: judge every one
    return Outcome(status=worst, retry_after=b"retry-after" in got.lower(), took=took, message=got[:300].decode("latin-1"))

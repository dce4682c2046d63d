"""End-to-end test with a real Swift OpenTelemetry client: swift-otel's OTLP/HTTP exporters.

The client is the small package Tests/swift-otel-client (built by scripts/test.sh into
.build-otel-client/debug/otel-client). It is pointed at the session server the way an app would
be — OTEL_EXPORTER_OTLP_ENDPOINT=<server url>, OTEL_SERVICE_NAME, protocol http/protobuf — and
sends a SERVER span "GET /orders/{id}" with a CLIENT child "SELECT orders" (postgresql), and
through swift-metrics a value histogram (Recorder), a duration histogram (Timer, seconds) and a
counter, in two rounds so the cumulative metrics are exported at least twice. It shuts down
gracefully (flushing both exporters) and exits 0 only if swift-otel logged no failed export,
i.e. every request was answered 2xx with a response swift-otel could parse.

The checks read everything back through the HTTP API: the trace and its waterfall, the RED and
database metrics derived from the spans, and the histograms' exact count and sum.

Without the binary the test is skipped, unless PERFWATCH_REQUIRE_SWIFT_OTEL is set (as
scripts/test.sh does after building it), in which case it fails.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import uuid

import pytest
import requests

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
CLIENT = REPO_ROOT / ".build-otel-client" / "debug" / "otel-client"
BUILD_HINT = "swift build --package-path Tests/swift-otel-client --scratch-path .build-otel-client"
CLIENT_TIMEOUT_S = 60

ROUTE = "/orders/{id}"
STATEMENT = "SELECT * FROM orders WHERE id = 42"
PAYLOAD_VALUES = [100, 200, 300, 400]  # otelclient.payload.size (Recorder)
JOB_SECONDS = [0.010, 0.020, 0.030]  # otelclient.job.duration (Timer: swift-otel exports seconds)


def ok_json(r: requests.Response) -> dict:
    assert r.status_code == 200, f"{r.request.method} {r.url} -> {r.status_code}: {r.text[:500]}"
    return r.json()


def single_value(server, metric: str, stat: str, service: str) -> float:
    body = ok_json(server.query(metric, stat, from_="-10m", to="now", where=[f"service={service}"]))
    assert len(body["series"]) == 1, f"{metric} {stat}: expected one series for {service}: {body}"
    points = body["series"][0]["points"]
    assert len(points) == 1, f"{metric} {stat}: expected one point without step: {body}"
    return points[0][1]


@pytest.fixture(scope="module")
def client_binary():
    if not (CLIENT.is_file() and os.access(CLIENT, os.X_OK)):
        message = f"swift-otel client not built: {CLIENT} is missing (build it with `{BUILD_HINT}`)"
        if os.environ.get("PERFWATCH_REQUIRE_SWIFT_OTEL"):
            pytest.fail(message + "; PERFWATCH_REQUIRE_SWIFT_OTEL is set", pytrace=False)
        pytest.skip(message)
    return CLIENT


@pytest.fixture(scope="module")
def swift_otel_run(client_binary, server) -> dict:
    """Runs the client once against the session server; returns its service name and trace id."""
    service = f"swift-otel-{uuid.uuid4().hex[:8]}"
    # A clean OTel environment: only what the client sets itself from its arguments.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    done = subprocess.run(
        [str(client_binary), "--endpoint", server.url, "--service", service],
        capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S, env=env,
    )
    report = f"otel-client exited {done.returncode}\n--- stdout ---\n{done.stdout}\n--- stderr ---\n{done.stderr}"
    assert done.returncode == 0, report
    m = re.search(r"^trace_id=([0-9a-f]{32})$", done.stdout, re.M)
    assert m, f"no trace id printed\n{report}"
    return {"service": service, "trace_id": m.group(1), "report": report}


def test_swift_otel_trace_arrives_with_parent_link(server, swift_otel_run):
    service, trace_id = swift_otel_run["service"], swift_otel_run["trace_id"]

    listed = ok_json(server.get("/api/v1/traces", service=service, from_="-10m", limit=100))["traces"]
    assert [t["traceId"] for t in listed] == [trace_id], listed
    summary = listed[0]
    assert summary["service"] == service and summary["spanCount"] == 2, summary
    assert summary["route"] == ROUTE and summary["error"] is False, summary

    body = ok_json(server.get(f"/api/v1/traces/{trace_id}"))
    assert body["traceId"] == trace_id, body
    spans = {s["kind"]: s for s in body["spans"]}
    assert len(body["spans"]) == 2 and set(spans) == {"server", "client"}, body
    root, db = spans["server"], spans["client"]
    assert root["name"] == "GET " + ROUTE and root["parentSpanId"] == "", root
    assert db["name"] == "SELECT orders" and db["parentSpanId"] == root["spanId"], (db, root)
    for s in (root, db):
        assert s["service"] == service and len(s["spanId"]) == 16, s
        assert s["status"] in ("unset", "ok"), s
    assert root["attributes"].get("http.route") == ROUTE, root
    assert root["attributes"].get("http.request.method") == "GET", root
    assert str(root["attributes"].get("http.response.status_code")) == "200", root
    assert db["attributes"].get("db.system") == "postgresql", db
    assert db["attributes"].get("db.statement") == STATEMENT, db
    # The client sleeps 5 ms + 20 ms (in the query) + 5 ms inside the server span.
    assert db["durationMs"] >= 20 and root["durationMs"] >= 30, body
    assert root["startTime"] <= db["startTime"], body
    assert db["startTime"] + db["durationMs"] <= root["startTime"] + root["durationMs"] + 1e-6, body
    assert 0 <= root["selfTimeMs"] <= root["durationMs"] - db["durationMs"] + 1e-6, root


def test_swift_otel_spans_give_red_and_query_metrics(server, swift_otel_run):
    service = swift_otel_run["service"]
    where = [f"service={service}"]

    red = ok_json(server.query("http.server.duration", "count", from_="-10m", to="now", by="route,method,status_class", where=where))
    assert [(s["tags"], s["points"][0][1]) for s in red["series"]] == [
        ({"route": ROUTE, "method": "GET", "status_class": "2xx"}, 1)
    ], red
    assert single_value(server, "http.server.duration", "max", service) >= 30
    version = ok_json(server.query("http.server.duration", "count", from_="-10m", to="now", by="version", where=where))
    assert [s["tags"] for s in version["series"]] == [{"version": "1.0.0"}], version

    queries = [q for q in ok_json(server.get("/api/v1/db/queries", from_="-10m"))["queries"] if q["service"] == service]
    assert len(queries) == 1, queries
    q = queries[0]
    assert q["calls"] == 1 and q["dbSystem"] == "postgresql" and q["operation"] == "SELECT", q
    assert q["statement"].upper() == "SELECT * FROM ORDERS WHERE ID = ?", q
    fp = ok_json(server.query("db.query.duration", "count", from_="-10m", to="now", by="fingerprint", where=where))
    assert [(s["tags"], s["points"][0][1]) for s in fp["series"]] == [({"fingerprint": q["fingerprint"]}, 1)], fp


def test_swift_otel_metrics_arrive(server, swift_otel_run):
    """swift-metrics through swift-otel: names as labelled, cumulative exports not double counted."""
    service = swift_otel_run["service"]

    catalog = {m["name"]: m for m in ok_json(server.get("/api/v1/metrics"))["metrics"]}
    for name, kind, tag, value in [
        ("otelclient.payload.size", "distribution", "route", ROUTE),
        ("otelclient.job.duration", "distribution", "job", "reindex"),
        ("otelclient.orders", "counter", "status", "paid"),
    ]:
        assert name in catalog, f"{name} not in the catalog: {sorted(catalog)}"
        m = catalog[name]
        assert m["kind"] == kind, m
        assert service in m["tags"]["service"] and value in m["tags"][tag], m
        assert "e2e" in m["tags"]["environment"] and "1.0.0" in m["tags"]["version"], m

    # Recorder (aggregate): exact count, sum, min and max; the median from bucket midpoints
    # lies in swift-otel's default bucket (100, 250].
    assert single_value(server, "otelclient.payload.size", "count", service) == len(PAYLOAD_VALUES)
    assert single_value(server, "otelclient.payload.size", "sum", service) == pytest.approx(sum(PAYLOAD_VALUES))
    assert single_value(server, "otelclient.payload.size", "min", service) == min(PAYLOAD_VALUES)
    assert single_value(server, "otelclient.payload.size", "max", service) == max(PAYLOAD_VALUES)
    assert 100 < single_value(server, "otelclient.payload.size", "p50", service) <= 250

    # Timer: swift-otel exports durations in seconds.
    assert single_value(server, "otelclient.job.duration", "count", service) == len(JOB_SECONDS)
    assert single_value(server, "otelclient.job.duration", "sum", service) == pytest.approx(sum(JOB_SECONDS))
    assert single_value(server, "otelclient.job.duration", "max", service) == pytest.approx(max(JOB_SECONDS))

    # Counter (monotonic, cumulative): the running total as sent.
    assert single_value(server, "otelclient.orders", "last", service) == 5
    # Counted from the counter's start time: the first export is not lost as a baseline.
    assert single_value(server, "otelclient.orders", "sum", service) == 5

"""The Prometheus HTTP API on the real binary (issue 19): data in through OTLP/JSON, the JSON API and Prometheus
text, then Grafana's own request sequence for a Prometheus data source (health check, buildinfo, POST-form
query_range, labels, label values with match[], the series fallback, metadata), checked answer by answer.
"""

from __future__ import annotations

import json
import time

import pytest

from conftest import now_ms

MINUTE = 60_000
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def ok_data(r):
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success", body
    return body["data"]


def prom_error(r, status: int, error_type: str) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["status"] == "error" and body["errorType"] == error_type, body
    return body["error"]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """One server with the three kinds of data, all between 10 and 5 minutes ago (bucket ends are in the past)."""
    from conftest import Server

    data_dir = tmp_path_factory.mktemp("promapi")
    server = Server(data_dir).wait_ready()
    start = (now_ms() - 10 * MINUTE) // 10_000 * 10_000
    try:
        # JSON API: a timing with 1,000 distinct values 1..1000 ms over two routes, and a delta counter.
        metrics = []
        for i in range(1000):
            t = start + (i % 300) * 1000
            metrics.append({"name": "checkout.latency", "kind": "timing", "value": i + 1,
                            "tags": {"route": "/pay" if i % 2 else "/cart"}, "time": t})
        for i in range(30):
            metrics.append({"name": "orders", "kind": "counter", "value": 3, "tags": {"shop": "eu"}, "time": start + i * 10_000})
        r = server.post_metrics(metrics)
        assert r.status_code == 200, r.text

        # OTLP/JSON: a cumulative monotonic sum with a unit annotation, and a gauge with a unit of 1.
        points = [{"startTimeUnixNano": str((start - MINUTE) * 1_000_000), "timeUnixNano": str((start + i * 15_000) * 1_000_000),
                   "asDouble": float(10 * (i + 1)), "attributes": [{"key": "http.method", "value": {"stringValue": "GET"}}]}
                  for i in range(20)]
        gauge = [{"timeUnixNano": str((start + i * 15_000) * 1_000_000), "asDouble": 0.25} for i in range(20)]
        body = {"resourceMetrics": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "shop"}}]},
                                     "scopeMetrics": [{"metrics": [
                                         {"name": "app.requests", "unit": "{requests}",
                                          "sum": {"aggregationTemporality": 2, "isMonotonic": True, "dataPoints": points}},
                                         {"name": "system.cpu.utilization", "unit": "1", "gauge": {"dataPoints": gauge}},
                                     ]}]}]}
        r = server.post("/v1/metrics", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        assert r.status_code == 200, r.text

        # Prometheus text: a classic histogram at two times (its names stay as they are).
        lines = ["# TYPE rpc_duration_seconds histogram"]
        for t, counts in ((start, (0, 0, 0, 0)), (start + 5 * MINUTE, (10, 30, 90, 100))):
            for le, count in zip(("0.1", "0.5", "1", "+Inf"), counts):
                lines.append(f'rpc_duration_seconds_bucket{{le="{le}"}} {count} {t}')
            lines.append(f"rpc_duration_seconds_count {counts[-1]} {t}")
        r = server.post("/api/v1/import/prometheus", data=("\n".join(lines) + "\n").encode(), headers={"Content-Type": "text/plain"})
        assert r.status_code in (200, 204), r.text
        yield server, start
    finally:
        server.stop()


def test_grafana_request_sequence(loaded):
    server, start = loaded
    now_s = time.time()

    # 1. "Save & test": 1+1 at time=4 must be the scalar 2.
    r = server.get("/api/v1/query", query="1+1", time="4")
    assert r.json() == {"status": "success", "data": {"resultType": "scalar", "result": [4, "2"]}}

    # 2. buildinfo: Grafana reads the version to pick features.
    info = ok_data(server.get("/api/v1/status/buildinfo"))
    assert info["version"].startswith("2.")

    # 3. POST-form query_range, as Grafana sends it.
    form = {"query": "sum by (route) (increase(checkout_latency_milliseconds_count[20m]))",
            "start": f"{now_s - 120:.3f}", "end": f"{now_s:.3f}", "step": "30"}
    data = ok_data(server.post("/api/v1/query_range", data=form, headers=FORM))
    assert data["resultType"] == "matrix"
    routes = {s["metric"]["route"]: s["values"] for s in data["result"]}
    assert set(routes) == {"/pay", "/cart"}
    assert len(routes["/pay"]) == 5
    for route in routes.values():
        # 0 at the first bucket's start, 500 at the last bucket's end (300 s later, 30 buckets): Prometheus' increase
        # does not extrapolate below a counter's zero, and extends the end by half an interval (5 s).
        assert all(float(v) == pytest.approx(500 * 305 / 300, rel=1e-9) for _, v in route), route

    # histogram_quantile over our sketches, by the unsuffixed name of the example, within 1% of the data.
    query = "histogram_quantile(0.95, sum by (le) (rate(checkout_latency_bucket[20m])))"
    data = ok_data(server.post("/api/v1/query", data={"query": query, "time": f"{now_s:.3f}"}, headers=FORM))
    p95 = float(data["result"][0]["value"][1])
    assert abs(p95 - 950) / 950 <= 0.01, p95

    # A classic histogram from Prometheus text: Prometheus' linear interpolation, rank 50 in (0.5, 1].
    at = (start + 5 * MINUTE) / 1000
    data = ok_data(server.get("/api/v1/query", query="histogram_quantile(0.5, increase(rpc_duration_seconds_bucket[5m]))", time=str(at)))
    assert abs(float(data["result"][0]["value"][1]) - (0.5 + 0.5 * 20 / 60)) < 1e-9

    # The delta counter is a running total under its Prometheus name.
    data = ok_data(server.get("/api/v1/query", query="sum(increase(orders_total[20m]))", time=f"{now_s:.3f}"))
    # 3 every 10 s for 290 s: 87 between the first and last sample; the start is extrapolated to where the counter
    # would be 0 (10 s before the first sample, under 1.1 intervals), the end by half an interval (5 s).
    assert float(data["result"][0]["value"][1]) == pytest.approx(87 * 305 / 290, rel=1e-9)
    # OTLP names.
    data = ok_data(server.get("/api/v1/query", query="system_cpu_utilization_ratio", time=str((start + 5 * MINUTE) / 1000)))
    assert data["result"][0]["value"][1] == "0.25"
    assert data["result"][0]["metric"]["service"] == "shop"

    # 4. labels and metric names (Grafana sends start/end).
    window = {"start": f"{now_s - 3600:.3f}", "end": f"{now_s:.3f}"}
    labels = ok_data(server.get("/api/v1/labels", **window))
    assert {"__name__", "route", "le", "http_method", "service"} <= set(labels)
    names = ok_data(server.get("/api/v1/label/__name__/values", **window))
    assert {"checkout_latency_milliseconds_bucket", "checkout_latency_milliseconds_count", "orders_total", "app_requests_total",
            "system_cpu_utilization_ratio", "rpc_duration_seconds_bucket"} <= set(names)
    # 5. label values narrowed by match[].
    values = ok_data(server.get("/api/v1/label/route/values", **{"match[]": "checkout_latency_milliseconds_count", **window}))
    assert values == ["/cart", "/pay"]
    values = ok_data(server.get("/api/v1/label/http_method/values", **{"match[]": 'app_requests_total{service="shop"}'}))
    assert values == ["GET"]
    # 6. the series fallback (older Grafana, or when label values with match[] is off).
    series = ok_data(server.get("/api/v1/series", **{"match[]": "orders_total", **window}))
    assert series == [{"__name__": "orders_total", "shop": "eu"}]
    series = ok_data(server.post("/api/v1/series", data={"match[]": ["rpc_duration_seconds_bucket", "orders_total"]}, headers=FORM))
    assert len(series) == 5
    # 7. metadata.
    metadata = ok_data(server.get("/api/v1/metadata"))
    assert metadata["checkout_latency_milliseconds"][0]["type"] == "histogram"
    assert metadata["orders_total"][0]["type"] == "counter"
    assert ok_data(server.get("/api/v1/metadata", metric="orders_total", limit="1")).keys() == {"orders_total"}
    # Exemplars (none) and rules (Perfwatch's default alert rules).
    assert ok_data(server.get("/api/v1/query_exemplars", query="orders_total")) == []
    groups = ok_data(server.get("/api/v1/rules"))["groups"]
    assert groups and all(rule["type"] == "alerting" for group in groups for rule in group["rules"])

    # Perfwatch's own query API on the same path is unchanged.
    own = server.query("orders", "sum", from_="-1h")
    assert own.status_code == 200 and own.json()["series"][0]["points"]


@pytest.mark.parametrize("params,status,error_type,fragment", [
    ({"query": "sum(rate(x[5m])"}, 400, "bad_data", "parse error"),
    ({"query": "no_such_function(x)"}, 400, "bad_data", "unknown function"),
    ({"query": 'rate(x)'}, 400, "bad_data", "range vector"),
    ({"query": "up", "time": "tomorrow"}, 400, "bad_data", 'invalid parameter "time"'),
])
def test_bad_instant_queries(loaded, params, status, error_type, fragment):
    server, _ = loaded
    message = prom_error(server.get("/api/v1/query", **params), status, error_type)
    assert fragment in message
    assert ok_data(server.get("/api/v1/query", query="1"))["result"][1] == "1"


@pytest.mark.parametrize("params,fragment", [
    ({"query": "up", "start": "0", "end": "11001", "step": "1"}, "11,000 points"),
    ({"query": "up", "start": "0", "end": "10", "step": "-1"}, "zero or negative"),
    ({"query": "up", "start": "0", "end": "10", "step": "soon"}, 'invalid parameter "step"'),
    ({"query": "up", "start": "10", "end": "0", "step": "1"}, "end timestamp must not be before start time"),
])
def test_bad_range_queries(loaded, params, fragment):
    server, _ = loaded
    assert fragment in prom_error(server.post("/api/v1/query_range", data=params, headers=FORM), 400, "bad_data")


def test_series_needs_match(loaded):
    server, _ = loaded
    assert "no match[] parameter provided" in prom_error(server.get("/api/v1/series"), 400, "bad_data")


def test_limits_from_the_config(start_server, tmp_path):
    config = tmp_path / "perfwatch.yml"
    config.write_text(f"storage: {{path: {tmp_path / 'data'}}}\npromql: {{max_samples: 100, max_series: 2, query_timeout: 30s}}\n")
    server = start_server(config=str(config))
    t = now_ms() - 5 * MINUTE
    r = server.post_metrics([{"name": "queue_depth", "kind": "gauge", "value": i, "tags": {"q": str(i % 3)}, "time": t + i * 1000}
                             for i in range(30)])
    assert r.status_code == 200, r.text
    # 30 samples load fine; a subquery materialising 600 points per series does not.
    assert len(ok_data(server.get("/api/v1/query", query="sum(count_over_time(queue_depth[10m]))"))["result"]) == 1
    message = prom_error(server.get("/api/v1/query", query="sum(count_over_time(queue_depth[10m:1s]))"), 422, "execution")
    assert "too many samples" in message
    # Three series where two are allowed.
    message = prom_error(server.get("/api/v1/query", query="last_over_time(queue_depth[10m])"), 422, "execution")
    assert "max_series" in message


def test_expr_rule_from_a_rule_file_fires(start_server, tmp_path):
    """A Prometheus-style rule file: `expr:` with a filtering comparison, no op/threshold; beside a `query:` rule."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "prom.yml").write_text(
        "groups:\n"
        "  - name: promql\n"
        "    interval: 1s\n"
        "    rules:\n"
        "      - alert: OrdersBacklog\n"
        "        expr: sum by (shop) (increase(orders_total[5m])) > 10\n"
        "        labels: {severity: warning}\n"
        "        annotations: {summary: \"backlog in {{ $labels.shop }}: {{ $value }}\"}\n"
        "      - alert: Ours\n"
        "        query: {metric: orders, stat: sum, window: 5m}\n"
        "        op: \">\"\n"
        "        threshold: 1000000\n")
    server = start_server(data_dir=tmp_path / "data", extra_args=["--rules", str(rules)])
    t = now_ms() - 60_000
    r = server.post_metrics([{"name": "orders", "kind": "counter", "value": 5, "tags": {"shop": shop}, "time": t + i * 5000}
                             for i in range(10) for shop in ("eu", "us")] +
                            [{"name": "orders", "kind": "counter", "value": 0, "tags": {"shop": "quiet"}, "time": t + i * 5000}
                             for i in range(10)])
    assert r.status_code == 200, r.text
    deadline = time.time() + 20
    alerts = []
    while time.time() < deadline and len(alerts) < 2:
        alerts = [a for a in server.get("/api/v1/alerts", state="firing").json()["active"] if a["ruleName"] == "OrdersBacklog"]
        time.sleep(0.3)
    assert sorted(a["labels"]["shop"] for a in alerts) == ["eu", "us"], alerts
    assert all(a["value"] > 10 for a in alerts)
    listed = ok_data(server.get("/api/v1/rules"))["groups"]
    promql = next(g for g in listed if g["name"] == "promql")
    assert promql["rules"][0]["query"] == "sum by (shop) (increase(orders_total[5m])) > 10"
    assert promql["rules"][0]["state"] == "firing" and len(promql["rules"][0]["alerts"]) == 2

"""The shipped Grafana dashboards (dashboards/*.json) work against Perfwatch (issue 19).

Data comes in through Perfwatch's ordinary ingest: three hours of OTLP/JSON request traces (SERVER spans with a
database CLIENT span, some failing), and RUM beacons from phones and desktops. Then every dashboard is read as
Grafana would: its template variables are resolved through `label_values(...)` (Grafana's
`/api/v1/label/<name>/values?match[]=`; "All" selected), and every panel target's `expr` runs with
`$__rate_interval`, `$__interval` and `$__range` substituted as Grafana substitutes them, as a POST-form
`query_range` over the dashboard's time range (or an instant query for `instant` targets). Each must succeed
and answer at least one series with at least one number.
"""

from __future__ import annotations

import json
import math
import pathlib
import random
import re
import subprocess
import time

import pytest

from conftest import REPO_ROOT, now_ms
from otlp_traffic import otlp_attrs, send_requests
from prom_peers import PromClient, find_binary

DASHBOARDS = sorted((REPO_ROOT / "dashboards").glob("*.json"))
RANGE_S = 3 * 3600  # the dashboards' default time range, now-3h
INTERVAL_S = 15  # Grafana: range / max data points (10.8 s) rounded, at least the 15 s scrape interval
# Grafana's $__rate_interval: max($__interval + scrape interval, 4 × scrape interval).
RATE_INTERVAL = f"{max(INTERVAL_S + 15, 4 * 15)}s"
SITE = "https://shop.example.com"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


def grafana_duration(seconds: int) -> str:
    """Grafana's `$__range` text (rangeUtil.secondsToHms): the largest whole unit."""
    for unit, size in (("y", 31536000), ("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def substitute(expr: str, variables: dict[str, str]) -> str:
    out = expr.replace("$__rate_interval", RATE_INTERVAL).replace("$__interval", f"{INTERVAL_S}s")
    out = out.replace("$__range", grafana_duration(RANGE_S))
    for name, value in variables.items():
        out = out.replace(f"${{{name}}}", value).replace(f"${name}", value)
    assert "$" not in out, f"unsubstituted variable in {out}"
    return out


def send_failing_requests(server, service: str, route: str, start_ms: int, end_ms: int, count: int) -> None:
    """SERVER spans answering 500 with an error status: they feed `http.server.errors`."""
    rng = random.Random(7)
    spans = []
    for i in range(count):
        start = start_ms + (end_ms - start_ms) * i // count
        spans.append({
            "traceId": "%032x" % rng.getrandbits(128), "spanId": "%016x" % rng.getrandbits(64), "name": f"POST {route}",
            "kind": 2, "startTimeUnixNano": str(start * 1_000_000), "endTimeUnixNano": str((start + 40) * 1_000_000),
            "status": {"code": 2},
            "attributes": otlp_attrs({"http.route": route, "http.request.method": "POST", "http.response.status_code": 500}),
        })
    body = {"resourceSpans": [{"resource": {"attributes": otlp_attrs({"service.name": service, "service.version": "1.0"})},
                               "scopeSpans": [{"spans": spans}]}]}
    r = server.post("/v1/traces", data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text


def send_beacons(server, rounds: int = 3) -> None:
    """Page views from phones and desktops in a few rounds a second or more apart (RUM points carry the time
    they were received, and a rate needs two of them)."""
    key = server.get("/api/v1/rum/setup").json()["key"]
    rng = random.Random(11)
    for round_ in range(rounds):
        for i in range(12):
            mobile = i % 3 == 0
            page = ["/", "/courses/42", "/pricing", "/cart"][i % 4]
            body = {
                "v": 1, "key": key, "pv": f"pv{round_}-{i}", "sid": f"s{i}", "url": page, "rel": "2.0", "t": now_ms(),
                "vw": 390 if mobile else 1280, "vh": 800,
                "vitals": {"lcp": rng.uniform(900, 4500), "inp": rng.uniform(40, 400), "cls": rng.uniform(0, 0.3),
                           "fcp": rng.uniform(400, 2500), "ttfb": rng.uniform(50, 900)},
                "nav": {"dns": rng.uniform(1, 30), "connect": rng.uniform(5, 60), "request": rng.uniform(20, 200),
                        "response": rng.uniform(5, 80), "dom": rng.uniform(50, 400), "load": rng.uniform(100, 900)},
            }
            r = server.post("/api/v1/rum", data=json.dumps(body),
                            headers={"Content-Type": "text/plain;charset=UTF-8", "Origin": SITE,
                                     "User-Agent": PHONE if mobile else DESKTOP})
            assert r.status_code == 202, r.text
        time.sleep(1.5)


QUANTILE_SERVICE = "quantiles"


def send_known_durations(server, count: int = 2000) -> list[float]:
    """`count` SERVER spans of service `quantiles` ending in the last four minutes, durations (whole
    microseconds, log-normal around 80 ms) returned in milliseconds: the exact answer for the quantile test."""
    rng = random.Random(23)
    end = now_ms() - 1000
    durations_us = [max(1, round(rng.lognormvariate(math.log(80_000), 0.6))) for _ in range(count)]
    spans = []
    for i, us in enumerate(durations_us):
        start_ns = (end - 240_000 + 240_000 * i // count) * 1_000_000
        spans.append({
            "traceId": "%032x" % rng.getrandbits(128), "spanId": "%016x" % rng.getrandbits(64), "name": "GET /q",
            "kind": 2, "startTimeUnixNano": str(start_ns), "endTimeUnixNano": str(start_ns + us * 1000),
            "attributes": otlp_attrs({"http.route": "/q", "http.request.method": "GET", "http.response.status_code": 200}),
        })
    body = {"resourceSpans": [{"resource": {"attributes": otlp_attrs({"service.name": QUANTILE_SERVICE})},
                               "scopeSpans": [{"spans": spans}]}]}
    r = server.post("/v1/traces", data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    return sorted(us / 1000 for us in durations_us)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    from conftest import Server, stop_all

    server = Server(tmp_path_factory.mktemp("dashboards"))
    try:
        server.wait_ready()
        end = now_ms()
        start = end - RANGE_S * 1000 - 3600_000  # an hour more, for the panels that look an hour back
        for n, (service, route, statement) in enumerate([
            ("shop", "/products/{id}", "SELECT * FROM products WHERE id = 4"),
            ("shop", "/cart", "SELECT * FROM cart_items WHERE cart_id = 9"),
            ("shop", "/checkout", "UPDATE orders SET state = 'paid' WHERE id = 12"),
            ("search", "/search", "SELECT id FROM documents WHERE body LIKE '%shoe%'"),
        ]):
            send_requests(server, service=service, version="1.0", route=route, statement=statement, start_ms=start,
                          end_ms=end - 1000, count=400, self_ms=20 + 15 * n, query_ms=3 + 4 * n, seed=n)
        send_failing_requests(server, "shop", "/checkout", start, end - 1000, 600)  # one every 24 s: a 60 s rate sees two
        server.known_durations = send_known_durations(server)
        send_beacons(server)
        # Distributions show a 10 s bucket once it has ended: wait for the last one.
        time.sleep(11)
        yield server
    finally:
        stop_all([server])


def targets_of(dashboard: dict):
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield panel, target


def test_dashboards_are_grafana_dashboards_with_a_data_source_input():
    assert [p.name for p in DASHBOARDS] == ["performance-overview.json", "routes-and-database.json", "web-vitals.json"]
    used = set()
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        assert dashboard["__inputs"][0]["name"] == "DS_PROMETHEUS" and dashboard["__inputs"][0]["pluginId"] == "prometheus"
        assert dashboard["uid"] and dashboard["title"] and dashboard["panels"], path.name
        ids = [p["id"] for p in dashboard["panels"]]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate panel ids"
        for panel, target in targets_of(dashboard):
            assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}" == target["datasource"]["uid"], (path.name, panel["title"])
            assert target["expr"].strip(), (path.name, panel["title"])
            used.update(re.findall(r"\b(rate|sum by|histogram_quantile|topk|offset)\b", target["expr"]))
    assert used == {"rate", "sum by", "histogram_quantile", "topk", "offset"}


def test_every_expression_is_valid_promql_for_prometheus(tmp_path):
    """Prometheus 2.42's own parser (`promtool check rules`) accepts every substituted expression."""
    promtool = find_binary("promtool")
    assert promtool, "promtool not installed (apt-get install prometheus)"
    rules = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        variables = {v["name"]: v["allValue"] for v in dashboard["templating"]["list"]}
        for n, (panel, target) in enumerate(targets_of(dashboard)):
            rules.append({"record": f"dashboard:{path.stem.replace('-', '_')}:{n}", "expr": substitute(target["expr"], variables)})
    rules_file = tmp_path / "rules.yml"
    rules_file.write_text(json.dumps({"groups": [{"name": "dashboards", "rules": rules}]}))  # JSON is YAML
    checked = subprocess.run([promtool, "check", "rules", str(rules_file)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{len(rules)} rules found" in checked.stdout, checked.stdout


def resolve_variables(client: PromClient, dashboard: dict, start: float, end: float) -> dict[str, str]:
    """Each `label_values(metric{…}, label)` variable asked as Grafana asks it; "All" is then selected."""
    values: dict[str, str] = {}
    for variable in dashboard.get("templating", {}).get("list", []):
        match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", variable["definition"])
        assert match, f"{variable['name']}: {variable['definition']}"
        selector = substitute(match.group(1), values)
        status, body = client.get(f"/api/v1/label/{match.group(2)}/values", {"match[]": selector, "start": start, "end": end})
        assert status == 200 and body["status"] == "success", (variable["name"], status, body)
        assert body["data"], f"{dashboard['title']}: variable {variable['name']} ({variable['definition']}) has no values"
        values[variable["name"]] = variable["allValue"]
    return values


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_every_panel_answers(seeded, path: pathlib.Path):
    dashboard = json.loads(path.read_text())
    client = PromClient(seeded.url)
    end = time.time()
    start = end - RANGE_S
    variables = resolve_variables(client, dashboard, start, end)
    failures = []
    for panel, target in targets_of(dashboard):
        expr = substitute(target["expr"], variables)
        if target.get("instant"):
            status, body = client.post_form("/api/v1/query", {"query": expr, "time": f"{end:.3f}"})
        else:
            status, body = client.range(expr, start, end, INTERVAL_S)
        where = f"{panel['title']} [{target['refId']}]: {expr}"
        if status != 200 or body is None or body.get("status") != "success":
            failures.append(f"{where}\n    answered {status}: {str(body)[:300]}")
            continue
        result = body["data"]["result"]
        points = [v for s in result for _, v in (s.get("values") or [s["value"]])]
        if not result or not any(math.isfinite(float(v)) for v in points):
            failures.append(f"{where}\n    no series with a number ({len(result)} series)")
    assert not failures, f"{path.name}: {len(failures)} target(s) failed:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("phi", [0.5, 0.9, 0.95, 0.99])
def test_histogram_quantile_over_our_distributions_is_within_one_percent(seeded, phi: float):
    """Issue 19: `histogram_quantile` over a distribution Perfwatch keeps as a sketch answers within 1% of the
    exact quantile of the observations (any value between the neighbouring order statistics counts as exact)."""
    durations = seeded.known_durations
    client = PromClient(seeded.url)
    query = (f'histogram_quantile({phi}, sum by (le) (rate(http_server_duration_milliseconds_bucket'
             f'{{service="{QUANTILE_SERVICE}"}}[10m])))')
    status, body = client.instant(query, time.time())
    assert status == 200 and body["status"] == "success", body
    [element] = body["data"]["result"]
    answer = float(element["value"][1])
    rank = phi * len(durations)
    low = durations[max(0, math.floor(rank) - 1)]
    high = durations[min(len(durations) - 1, math.ceil(rank))]
    assert low * 0.99 <= answer <= high * 1.01, f"p{phi * 100:g}: {answer} ms, exact between {low} and {high} ms"

"""Deploy markers end to end: marked with the CLI and the API, listed for the charts, and a
deploy's impact per route — the regression it introduced (with its root cause as an issue)
against an unchanged control route. Bad input is refused by name and loses nothing."""

from __future__ import annotations

import subprocess

from conftest import now_ms, perfwatch_binary
from otlp_traffic import send_requests

MINUTE = 60_000


def mark(server_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(perfwatch_binary()), "deploy", "mark", "--server", server_url, *args],
                          capture_output=True, text=True, timeout=60)


def test_cli_and_api_markers(start_server):
    server = start_server()
    done = mark(server.url, "--service", "checkout", "--version", "2.4.0", "--environment", "prod", "--description", "new cart")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "marked deploy" in done.stdout and "checkout 2.4.0" in done.stdout
    r = server.post("/api/v1/deployments", json={"service": "search", "version": "7", "time": "-30m"})
    assert r.status_code == 201, r.text
    assert r.json()["source"] == "api" and abs(r.json()["time"] - (now_ms() - 30 * MINUTE)) < 60_000
    listed = server.get("/api/v1/deployments").json()["deployments"]
    assert [(d["service"], d["version"]) for d in listed] == [("search", "7"), ("checkout", "2.4.0")]
    assert listed[1]["environment"] == "prod" and listed[1]["description"] == "new cart"
    assert [d["version"] for d in server.get("/api/v1/deployments", service="checkout").json()["deployments"]] == ["2.4.0"]
    assert server.get("/api/v1/deployments", from_="-10m").json()["deployments"][0]["service"] == "checkout"
    one = server.get(f"/api/v1/deployments/{listed[0]['id']}")
    assert one.status_code == 200 and one.json()["version"] == "7"

    # The CLI's failures: refused input and an unreachable server both exit 1 with the reason.
    empty = mark(server.url, "--service", " ", "--version", "1")
    assert empty.returncode == 1 and "'service' must not be empty" in empty.stdout
    down = mark("http://127.0.0.1:9", "--service", "a", "--version", "1")
    assert down.returncode == 1 and "cannot reach" in down.stdout
    missing = mark(server.url, "--version", "1")
    assert missing.returncode != 0 and "--service" in missing.stderr


def test_deploy_impact_finds_the_regression_and_its_cause(start_server):
    server = start_server()
    deploy = (now_ms() - 12 * MINUTE) // 10_000 * 10_000
    slow_query = "SELECT * FROM order_items WHERE order_id = 42"
    for version, start, end, query_ms in (("3.0.0", deploy - 10 * MINUTE, deploy, 4), ("3.1.0", deploy, deploy + 10 * MINUTE, 45)):
        send_requests(server, service="orders", version=version, route="/orders/:id", statement=slow_query, start_ms=start,
                      end_ms=end, count=300, self_ms=10, query_ms=query_ms, seed=1 + query_ms)
        send_requests(server, service="orders", version=version, route="/health", statement="SELECT 1", start_ms=start,
                      end_ms=end, count=300, self_ms=5, query_ms=1, seed=7 + query_ms)
    marked = server.post("/api/v1/deployments", json={"service": "orders", "version": "3.1.0", "time": deploy})
    assert marked.status_code == 201, marked.text

    impact = server.get(f"/api/v1/deployments/{marked.json()['id']}/impact").json()
    assert impact["note"] is None and impact["beforeFrom"] < deploy < impact["afterTo"]
    [regression] = impact["regressions"]
    assert regression["route"] == "/orders/:id" and regression["verdict"] == "regressed"
    assert regression["changePct"] > 50 and regression["pValue"] < 0.001 and regression["requestsBefore"] == 300
    assert impact["improvements"] == [] and [u["route"] for u in impact["unchanged"]] == ["/health"]

    run = server.post("/api/v1/analysis/run")
    assert run.status_code == 200 and run.json()["failures"] == [], run.text
    [issue] = server.get("/api/v1/issues", type="regression").json()["issues"]
    assert issue["route"] == "/orders/:id" and "3.1.0" in issue["title"]
    assert "FROM order_items WHERE order_id = ?" in issue["evidence"]["rootCause"][0]["statement"]
    assert issue["evidence"]["rootCause"][0]["shareOfMeanIncrease"] > 0.8
    assert issue["evidence"]["signals"]["error_rate"]["moved"] is False
    assert "EXPLAIN ANALYZE" in issue["recommendation"]
    # The marker was given; detection does not add a second one for the same version.
    assert len(server.get("/api/v1/deployments").json()["deployments"]) == 1


def test_new_version_in_the_data_is_detected(start_server):
    server = start_server()
    switch = (now_ms() - 8 * MINUTE) // 10_000 * 10_000
    for version, start, end in (("1.0.0", switch - 8 * MINUTE, switch), ("1.1.0", switch, switch + 7 * MINUTE)):
        send_requests(server, service="catalog", version=version, route="/items", statement="SELECT 1", start_ms=start,
                      end_ms=end, count=100, self_ms=8, query_ms=2, seed=3)
    assert server.post("/api/v1/analysis/run").status_code == 200
    [detected] = server.get("/api/v1/deployments").json()["deployments"]
    assert (detected["service"], detected["version"], detected["source"]) == ("catalog", "1.1.0", "detected")
    assert abs(detected["time"] - switch) <= 20_000


def test_bad_deployment_input(start_server):
    server = start_server()
    kept = server.post("/api/v1/deployments", json={"service": "kept", "version": "1"})
    assert kept.status_code == 201

    def refused(body, status, *words, **kwargs):
        r = server.post("/api/v1/deployments", json=body, **kwargs) if body is not None else server.post("/api/v1/deployments", **kwargs)
        assert r.status_code == status, r.text
        message = r.json()["error"]["message"]
        for word in words:
            assert word in message, message

    refused({"version": "1"}, 400, "'service'", "required")
    refused({"service": "", "version": "1"}, 400, "'service'", "empty")
    refused({"service": "a"}, 400, "'version'")
    refused({"service": "a", "version": "1", "time": "yesterday-ish"}, 400, "'time'")
    refused({"service": "a", "version": "1", "time": True}, 400, "'time'")
    refused({"service": 5, "version": "1"}, 400, "'service'", "string")
    refused({"service": "a", "version": "1", "stage": "prod"}, 400, "unknown field 'stage'")
    refused(None, 400, "JSON object", data="not json")
    assert server.get("/api/v1/deployments", from_="soon").status_code == 400
    assert server.get("/api/v1/deployments/abc").status_code == 400
    assert server.get("/api/v1/deployments/987654").status_code == 404
    assert server.get("/api/v1/deployments/987654/impact").status_code == 404
    assert server.request("DELETE", "/api/v1/deployments").status_code == 405
    assert server.get("/healthz").status_code == 200
    assert [d["service"] for d in server.get("/api/v1/deployments").json()["deployments"]] == ["kept"]

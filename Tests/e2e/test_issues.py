"""The analysis loop end to end: the demo workload's injected problems become issues with
recommendations, people change their status, and bad requests are refused by name."""

from __future__ import annotations

import json
import subprocess

from conftest import perfwatch_binary
from test_alerting import wait_for


def budget(server, tmp_path, text: str, *extra: str) -> subprocess.CompletedProcess:
    path = tmp_path / "budgets.yml"
    path.write_text(text)
    return subprocess.run([str(perfwatch_binary()), "budget", "check", str(path), "--server", server.url, *extra],
                          capture_output=True, text=True, timeout=60)


def test_demo_problems_become_issues(start_server, tmp_path):
    server = start_server()
    demo = subprocess.run([str(perfwatch_binary()), "demo", "--server", server.url, "--duration", "0s", "--backfill", "10m"],
                          capture_output=True, text=True, timeout=180)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    run = server.post("/api/v1/analysis/run")
    assert run.status_code == 200 and run.json()["failures"] == [], run.text
    issues = server.get("/api/v1/issues").json()["issues"]
    by_type = {}
    for issue in issues:
        by_type.setdefault(issue["type"], []).append(issue)
    [n_plus_one] = by_type["n_plus_one"]
    assert n_plus_one["route"] == "/courses/:id" and "12 times per request" in n_plus_one["title"]
    assert n_plus_one["evidence"]["callsPerRequestMedian"] >= 11 and "lessons" in n_plus_one["evidence"]["statement"]
    assert "Saves" in n_plus_one["recommendation"] and n_plus_one["impactMs"] > 0
    [slow] = by_type["slow_query"]
    assert "LIKE" in slow["description"] and slow["evidence"]["p95Ms"] > 100
    assert by_type["regression"][0]["route"] == "/courses/:id" and "1.5.0" in by_type["regression"][0]["title"]
    # Sorted by impact, biggest first.
    impacts = [i["impactMs"] for i in issues]
    assert impacts == sorted(impacts, reverse=True)

    acked = server.request("PATCH", f"/api/v1/issues/{slow['id']}", json={"status": "acknowledged"})
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    assert [i["id"] for i in server.get("/api/v1/issues", status="acknowledged").json()["issues"]] == [slow["id"]]
    # Another pass keeps the person's status and does not duplicate.
    assert server.post("/api/v1/analysis/run").status_code == 200
    again = server.get("/api/v1/issues").json()["issues"]
    assert len(again) == len(issues) and server.get(f"/api/v1/issues/{slow['id']}").json()["status"] == "acknowledged"

    # Budgets for CI on the same data: the slow search breaks its budget, the course list meets its own.
    ok = budget(server, tmp_path, "window: 30m\nbudgets:\n  - {route: /courses, p95: 10s, error_rate: 5%}\n")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "all 2 budgets met" in ok.stdout
    exceeded = budget(server, tmp_path, "budgets:\n  - {route: /courses, p95: 10s}\n  - {route: /search, p95: 50ms}\n"
                                        "  - {page: /nowhere, lcp: 2.5s}\n")
    assert exceeded.returncode == 1, exceeded.stdout + exceeded.stderr
    search = next(line for line in exceeded.stdout.splitlines() if line.startswith("/search"))
    assert "EXCEEDED" in search and "50 ms" in search
    assert "NO DATA" in next(line for line in exceeded.stdout.splitlines() if line.startswith("/nowhere"))
    assert "no data for page /nowhere in the last 60 min" in exceeded.stdout
    # A typo in a route has no data, ever: it fails CI and says so, unless the budget allows no data.
    typo = budget(server, tmp_path, "budgets:\n  - {route: /courses, p95: 10s}\n  - {route: /coursess, p95: 10s}\n")
    assert typo.returncode == 1, typo.stdout + typo.stderr
    assert "no data for route /coursess in the last 60 min" in typo.stdout and "missing: ok" in typo.stdout
    assert "1 of 2 budgets without data for their route or page" in typo.stdout
    allowed = budget(server, tmp_path, "budgets:\n  - {route: /coursess, p95: 10s, missing: ok}\n")
    assert allowed.returncode == 0 and "all 1 budgets met" in allowed.stdout, allowed.stdout + allowed.stderr
    # The regressed release alone: /courses/:id in 1.5.0 is slower than a budget 1.4.0 meets.
    old = budget(server, tmp_path, "budgets:\n  - {route: /courses/:id, p95: 1s}\n", "--release", "1.4.0")
    assert old.returncode == 0, old.stdout
    bad = budget(server, tmp_path, "budgets:\n  - route: /courses\n    p95: fast\n")
    assert bad.returncode == 2 and ":3: budgets[0].p95:" in bad.stdout and "'fast'" in bad.stdout
    unknown = budget(server, tmp_path, "budgets:\n  - {route: /x, p96: 1s}\n")
    assert unknown.returncode == 2 and "p96" in unknown.stdout and "valid keys" in unknown.stdout

    # An alert about a query names its statement, not its hash (issue 15): the default DbQuerySlow's
    # message, on a threshold the demo's slow search crosses.
    rule = {"alert": "DemoQuerySlow", "group": "e2e-db", "interval": "1s", "op": ">", "threshold": 100,
            "query": {"metric": "db.query.duration", "stat": "p95", "by": ["service", "fingerprint"], "window": "30m"},
            "annotations": {"summary": "p95 of query `{{ $labels.statement }}` is {{ $value | ms }} (threshold {{ $threshold | ms }})"}}
    created = server.post("/api/v1/alert-rules", data=json.dumps(rule))
    assert created.status_code == 201, created.text
    firing = wait_for(lambda: [a for a in server.get("/api/v1/alerts", state="firing").json()["active"]
                               if a["ruleName"] == "DemoQuerySlow"], 20, "DemoQuerySlow to fire")
    assert any("LIKE" in a["annotations"]["summary"] for a in firing), [a["annotations"] for a in firing]
    for alert in firing:
        assert alert["labels"]["fingerprint"] not in alert["annotations"]["summary"] and "statement" not in alert["labels"], alert


def test_bad_issue_requests(server):
    assert server.get("/api/v1/issues", status="sleeping").status_code == 400
    assert "sleeping" in server.get("/api/v1/issues", status="sleeping").json()["error"]["message"]
    assert server.get("/api/v1/issues/abc").status_code == 400
    assert server.get("/api/v1/issues/987654").status_code == 404
    bad = server.request("PATCH", "/api/v1/issues/1", json={"status": "done"})
    assert bad.status_code in (400, 404)
    assert server.request("PATCH", "/api/v1/issues/1", data="not json").status_code == 400
    assert server.get("/healthz").status_code == 200

"""Optimizations end to end: recorded from an issue or free-standing, applied, validated by the
analysis pass with the regression analyzer's test, the success rate reported, and the linked
issue resolved when the fix worked. Bad input is refused by name and loses nothing."""

from __future__ import annotations

from conftest import now_ms
from otlp_traffic import send_requests

MINUTE = 60_000
REPORT_QUERY = "SELECT day, sum(total) FROM orders WHERE shop_id = 42 GROUP BY day"


def test_optimization_from_an_issue_is_validated(start_server):
    server = start_server()
    applied = (now_ms() - 20 * MINUTE) // 10_000 * 10_000
    # The report query takes ~150 ms until an index goes in at `applied`, ~20 ms after; /home never changes.
    send_requests(server, service="shop", version="1", route="/reports", statement=REPORT_QUERY, start_ms=applied - 20 * MINUTE,
                  end_ms=applied, count=300, self_ms=10, query_ms=150, seed=1)
    send_requests(server, service="shop", version="1", route="/home", statement="SELECT 1", start_ms=applied - 20 * MINUTE,
                  end_ms=now_ms() - 30_000, count=600, self_ms=10, query_ms=2, seed=2)
    assert server.post("/api/v1/analysis/run").status_code == 200
    [slow] = server.get("/api/v1/issues", type="slow_query").json()["issues"]

    created = server.post("/api/v1/optimizations", json={"issueId": slow["id"], "route": "/reports",
                                                          "description": "index orders (shop_id, day)"})
    assert created.status_code == 201, created.text
    fix = created.json()
    assert fix["issueId"] == slow["id"] and fix["type"] == "slow_query" and fix["service"] == "shop"
    assert fix["status"] == "planned" and fix["appliedAt"] is None and fix["impact"] is None
    noop = server.post("/api/v1/optimizations", json={"type": "cache", "description": "cache the home page",
                                                      "route": "/home", "service": "shop", "appliedAt": applied}).json()
    assert noop["status"] == "applied"

    send_requests(server, service="shop", version="1", route="/reports", statement=REPORT_QUERY, start_ms=applied,
                  end_ms=now_ms() - 30_000, count=300, self_ms=10, query_ms=20, seed=3)
    applying = server.post(f"/api/v1/optimizations/{fix['id']}/apply", json={"appliedAt": applied})
    assert applying.status_code == 200 and applying.json()["status"] == "applied" and applying.json()["appliedAt"] == applied

    # A pass over the last 15 min: only post-fix data, so the slow query is gone from its window too.
    run = server.post("/api/v1/analysis/run", params={"window": "15m"})
    assert run.status_code == 200 and run.json()["failures"] == [], run.text
    impact = server.get(f"/api/v1/optimizations/{fix['id']}").json()["impact"]
    assert impact["verdict"] == "improved", impact
    assert impact["change_pct"] < -50 and impact["p_value"] < 0.001 and impact["before"] > 100 and impact["after"] < 60
    assert impact["requests_after"] >= 100
    assert server.get(f"/api/v1/issues/{slow['id']}").json()["status"] == "resolved"
    assert server.get(f"/api/v1/optimizations/{noop['id']}").json()["impact"]["verdict"] == "no_change"

    listing = server.get("/api/v1/optimizations").json()
    assert {o["id"] for o in listing["optimizations"]} == {fix["id"], noop["id"]}
    assert listing["summary"] == {"total": 2, "applied": 2, "validated": 2, "improved": 1, "noChange": 1, "regressed": 0,
                                  "successRate": 0.5}


def test_not_enough_data_yet_means_no_verdict(start_server):
    server = start_server()
    recent = server.post("/api/v1/optimizations", json={"type": "cache", "description": "just shipped", "route": "/x"}).json()
    assert server.post(f"/api/v1/optimizations/{recent['id']}/apply").status_code == 200
    assert server.post("/api/v1/analysis/run").status_code == 200
    again = server.get(f"/api/v1/optimizations/{recent['id']}").json()
    assert again["status"] == "applied" and again["impact"] is None
    assert server.get("/api/v1/optimizations").json()["summary"]["successRate"] is None


def test_bad_optimization_input(start_server):
    server = start_server()
    kept = server.post("/api/v1/optimizations", json={"type": "index", "description": "kept", "route": "/a"})
    assert kept.status_code == 201

    def refused(r, status, *words):
        assert r.status_code == status, r.text
        for word in words:
            assert word in r.json()["error"]["message"], r.text

    post = lambda body: server.post("/api/v1/optimizations", json=body)  # noqa: E731
    refused(post({"issueId": 987654, "route": "/a"}), 404, "no issue with id 987654")
    refused(post({"issueId": "seven"}), 400, "'issueId'")
    refused(post({"description": "d", "route": "/a"}), 400, "'type'")
    refused(post({"type": "index", "route": "/a"}), 400, "'description'")
    refused(post({"type": "index", "description": "d"}), 400, "'route'")
    refused(post({"type": "index", "description": "d", "route": "/a", "appliedAt": "last tuesday"}), 400, "'appliedAt'")
    refused(post({"type": "index", "description": "d", "route": "/a", "applied_at": 1}), 400, "unknown field 'applied_at'")
    refused(server.post("/api/v1/optimizations", data="{"), 400, "JSON object")
    refused(server.post("/api/v1/optimizations/987654/apply"), 404, "no optimization with id 987654")
    refused(server.post(f"/api/v1/optimizations/{kept.json()['id']}/apply", json={"appliedAt": "never"}), 400, "'appliedAt'")
    refused(server.get("/api/v1/optimizations/abc"), 400, "not a number")
    refused(server.get("/api/v1/optimizations/987654"), 404, "no optimization")
    assert server.request("DELETE", "/api/v1/optimizations").status_code == 405
    assert server.get("/healthz").status_code == 200
    listing = server.get("/api/v1/optimizations").json()
    assert [o["description"] for o in listing["optimizations"]] == ["kept"]
    assert listing["optimizations"][0]["status"] == "planned"

"""The exact keys (and null-versus-absent) of the deployment, optimization, issue, load-run,
RUM and alerting answers, so that typing the responses cannot change a shape unnoticed. The
values are checked by the feature tests; here only which keys there are and their JSON types.
Each test has its own server: the shared one is counted exactly by other files."""

from __future__ import annotations

import json

from conftest import now_ms
from test_rum import SITE, beacon, post


def keys(obj: dict) -> set:
    return set(obj)


def test_deployment_and_optimization_shapes(start_server):
    server = start_server()
    deployment_keys = {"id", "service", "version", "environment", "time", "description", "source"}
    created = server.post("/api/v1/deployments", json={"service": "shop", "version": "1.0"})
    assert created.status_code == 201 and keys(created.json()) == deployment_keys
    assert created.headers["Content-Type"] == "application/json"
    assert keys(server.get("/api/v1/deployments").json()) == {"deployments"}
    one = server.get(f"/api/v1/deployments/{created.json()['id']}").json()
    assert keys(one) == deployment_keys and isinstance(one["time"], int)
    impact = server.get(f"/api/v1/deployments/{created.json()['id']}/impact").json()
    assert keys(impact) == {"deployment", "beforeFrom", "afterTo", "note", "regressions", "improvements", "unchanged"}
    assert impact["regressions"] == [] and keys(impact["deployment"]) == deployment_keys

    # Refusals name the field (decoded body, then the checks a JSON type cannot make).
    def refusal(body):
        r = server.post("/api/v1/deployments", json=body)
        assert r.status_code == 400, r.text
        return r.json()["error"]["message"]
    assert refusal({"service": " ", "version": "1"}) == "deployment: 'service' must not be empty"
    assert refusal({"service": 5, "version": "1"}).startswith("deployment: 'service' must be a string")
    assert refusal({"service": "a", "version": "1", "time": -5}).startswith("deployment: 'time' must be unix ms")
    assert refusal({"service": "a", "version": "1", "sevice": "b"}).startswith("deployment: unknown field 'sevice'")

    optimization_keys = {"id", "issueId", "type", "description", "service", "route", "release", "createdAt", "appliedAt",
                         "status", "impact", "policy_change", "policy_version", "previous_version", "rolled_back_at",
                         "rollback_reason"}
    made = server.post("/api/v1/optimizations", json={"type": "cache", "description": "cache it", "route": "/a"})
    assert made.status_code == 201
    body = made.json()
    assert keys(body) == optimization_keys
    assert body["issueId"] is None and body["appliedAt"] is None and body["impact"] is None and body["status"] == "planned"
    assert all(body[key] is None for key in ("policy_change", "policy_version", "previous_version", "rolled_back_at", "rollback_reason"))
    applied = server.post(f"/api/v1/optimizations/{body['id']}/apply", data="").json()
    assert keys(applied) == optimization_keys and isinstance(applied["appliedAt"], int) and applied["status"] == "applied"
    assert keys(server.get(f"/api/v1/optimizations/{body['id']}").json()) == optimization_keys
    listed = server.get("/api/v1/optimizations").json()
    assert keys(listed) == {"optimizations", "summary"}
    assert listed["summary"] == {"total": 1, "applied": 1, "validated": 0, "improved": 0, "noChange": 0, "regressed": 0,
                                 "successRate": None}


def test_issue_and_analysis_pass_shapes(start_server):
    server = start_server()
    assert server.get("/api/v1/issues").json() == {"issues": []}
    report = server.post("/api/v1/analysis/run").json()
    assert keys(report) == {"seconds", "issues", "failures", "analyzers"}
    assert isinstance(report["issues"], int) and isinstance(report["failures"], list)
    assert report["analyzers"] and all(keys(a) == {"name", "seconds"} for a in report["analyzers"])


def test_load_run_shapes(start_server):
    server = start_server()
    def report(name: str, count: int) -> dict:
        histogram = [[1000 + i, 1] for i in range(count)]
        return {"name": name, "startMs": 1, "endMs": 2, "passed": True,
                "requests": [{"name": "home", "count": count, "latency": {"p95": 1.5}, "histogram": histogram},
                             {"name": "empty", "count": 0, "latency": {}, "histogram": []}],
                "total": {"count": count, "errors": 0, "rate": 2.5, "latency": {"p95": 1.5}, "histogram": histogram}}

    first = server.post("/api/v1/load-runs", data=json.dumps(report("a", 5)))
    assert first.status_code == 201 and first.json() == {"id": 1, "url": "/api/v1/load-runs/1"}
    server.post("/api/v1/load-runs", data=json.dumps(report("b", 5)))
    [newest, _] = server.get("/api/v1/load-runs").json()["runs"]
    assert keys(newest) == {"id", "name", "startMs", "endMs", "passed", "requests", "errors", "rate", "p95"}
    assert newest["rate"] == 2.5 and newest["p95"] == 1.5
    one = server.get("/api/v1/load-runs/1").json()
    assert keys(one) == {"id", "report"} and one["report"] == report("a", 5)
    compared = server.get("/api/v1/load-runs/compare", a=1, b=2).json()
    assert keys(compared) == {"a", "b", "requests"} and (compared["a"], compared["b"]) == (1, 2)
    by_name = {r["name"]: r["comparison"] for r in compared["requests"]}
    assert list(by_name) == ["home", "empty", "all"]
    assert keys(by_name["home"]) == {"baselineCount", "candidateCount", "percentiles", "mannWhitney"}
    assert keys(by_name["home"]["mannWhitney"]) == {"u", "z", "pValue", "probabilityCandidateSlower", "significant"}
    p99 = by_name["home"]["percentiles"][2]
    assert keys(p99) == {"percentile", "baseline", "candidate", "relativeChange", "baselineInterval", "candidateInterval",
                         "significant"}
    # Refusals name the field.
    no_latency = server.post("/api/v1/load-runs", data=json.dumps({"name": "x", "startMs": 1, "endMs": 2, "requests": [{"name": "a", "count": 1}]}))
    assert no_latency.status_code == 400 and "'requests[0].latency'" in no_latency.json()["error"]["message"]
    assert server.post("/api/v1/load-runs", data=json.dumps({**report("c", 1), "name": 5})).status_code == 400
    # An empty run has no test and no percentiles; an unbounded interval has no `upper` (absent, not null).
    assert by_name["empty"] == {"baselineCount": 0, "candidateCount": 0, "percentiles": []}
    assert keys(p99["baselineInterval"]) == {"lower"}


def test_rum_shapes(start_server):
    server = start_server()
    setup = server.get("/api/v1/rum/setup").json()
    assert keys(setup) == {"key", "snippet", "origins"}
    key = setup["key"]
    start = now_ms() - 5_000
    journey = {"id": "j1", "type": "booking", "target": 5000, "start": start, "state": "completed", "end": start + 900,
               "steps": [{"name": "select", "t": 100}, {"name": "pay", "t": 800}]}
    accepted = post(server, beacon(key, "p1", vitals={"lcp": 2000, "cls": 0.05}, journeys=[journey],
                                   errors=[{"kind": "error", "msg": "boom", "line": 1, "col": 2}]))
    assert accepted.status_code == 202 and accepted.json() == {"accepted": True, "dropped": []}
    assert accepted.headers["Access-Control-Allow-Origin"] == SITE

    body = server.get("/api/v1/journeys", from_="-10m").json()
    assert keys(body) == {"from", "to", "journeys"}
    [booking] = body["journeys"]
    assert keys(booking) == {"type", "targetMs", "started", "open", "completed", "failed", "abandoned", "abandonedAtStart",
                             "completedWithinTarget", "durationP50", "durationP95", "steps", "bottleneck", "failReasons"}
    assert booking["targetMs"] == 5000 and booking["durationP50"] == 900 and booking["failReasons"] == []
    assert booking["steps"][1] == {"name": "pay", "reached": 1, "abandonedHere": 0, "p50": 700, "p95": 700}
    assert keys(booking["bottleneck"]) == {"step", "reason", "detail"}

    [group] = server.get("/api/v1/errors", from_="-10m").json()["errors"]
    assert keys(group) == {"fingerprint", "message", "kind", "source", "line", "column", "stack", "count", "pages",
                           "firstSeen", "lastSeen"}

    vitals = server.get("/api/v1/vitals", from_="-10m").json()
    assert keys(vitals) == {"from", "to", "overall", "pages"}
    overall = vitals["overall"]
    assert keys(overall) == {"page", "device", "samples", "vitals", "cwvPass", "score"}
    assert (overall["page"], overall["device"], overall["samples"], overall["cwvPass"]) == ("*", "*", 1, True)
    assert list(overall["vitals"]) == ["lcp", "inp", "cls", "fcp", "ttfb"]
    assert overall["vitals"]["inp"] == {"p75": None, "rating": None, "samples": 0, "good": 0, "needsImprovement": 0, "poor": 0}
    assert overall["vitals"]["lcp"]["rating"] == "good" and isinstance(overall["score"], int)
    [page] = vitals["pages"]
    assert keys(page) == keys(overall) and page["page"] == "/courses/:id"


def test_alerting_shapes(start_server):
    server = start_server()
    listed = server.get("/api/v1/alerts").json()
    assert keys(listed) == {"active", "history", "statistics"}
    assert listed["statistics"] == {"firedPerRule": [], "meanTimeToAcknowledgeMs": None, "meanTimeToResolveMs": None}

    created = server.post("/api/v1/alert-rules", json={"alert": "ShapeRule", "query": {"metric": "shape.never", "stat": "max"},
                                                       "op": ">", "threshold": 1, "group": "shapes", "interval": "1h"})
    assert created.status_code == 201, created.text
    rule = created.json()["rule"]
    # The status fields a rule does not have yet (no evaluation, no error) are absent, not null.
    always = {"name", "group", "source", "readOnly", "interval", "rule", "health", "noData", "pendingCount", "firingCount"}
    assert always <= keys(rule) <= always | {"lastEvaluatedAt", "lastDurationMs", "lastError"}
    assert None not in rule.values()
    assert keys(rule["rule"]) == {"alert", "query", "op", "threshold", "for", "keep_firing_for", "no_data", "labels", "annotations"}
    assert keys(rule["rule"]["query"]) == {"metric", "stat", "window"}
    rules = server.get("/api/v1/alert-rules").json()
    assert keys(rules) == {"rules", "groups", "statuses", "problems"}
    assert all(None not in status.values() for status in rules["statuses"])
    assert keys(server.get("/api/v1/alert-rules/ShapeRule").json()) == {"rule"}
    conflict = server.request("PUT", "/api/v1/alert-rules/ApiLatencyHigh", json={"alert": "ApiLatencyHigh"})
    assert conflict.status_code == 409 and keys(conflict.json()) == {"error"}
    assert keys(conflict.json()["error"]) == {"code", "message"} and conflict.json()["error"]["code"] == "conflict"

    silence = server.post("/api/v1/silences", json={"matchers": ["alertname=ShapeRule"], "duration": "1h", "createdBy": "e2e"})
    assert silence.status_code == 201
    assert keys(silence.json()) == {"id", "matchers", "startsAt", "endsAt", "createdBy", "comment"}
    assert keys(server.get("/api/v1/silences").json()) == {"silences"}
    bad = server.post("/api/v1/silences", json={"matchers": ["a=b"], "duration": 60, "createdBy": "e2e"})
    assert bad.status_code == 400 and "'duration' must be a string" in bad.json()["error"]["message"]
    bad_time = server.post("/api/v1/silences", json={"matchers": ["a=b"], "endsAt": True, "createdBy": "e2e"})
    assert bad_time.status_code == 400 and "'endsAt' must be unix ms" in bad_time.json()["error"]["message"]
    assert server.post("/api/v1/alerts/none/ack", json={"by": ""}).status_code == 400
    assert server.post("/api/v1/alerts/none/ack", json={"by": "e2e"}).status_code == 404
    assert keys(server.post("/api/v1/rules/reload").json()) == {"reloaded", "problems"}
    assert server.get("/api/v1/alerts/notifications").json() == {"notifications": []}
    assert server.get("/api/v1/alerts/deliveries").json() == {"deliveries": []}

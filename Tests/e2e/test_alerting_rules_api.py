"""Alert rules managed through /api/v1/alert-rules against the real binary: a created rule
is stored and evaluated at once (no restart), a changed rule keeps the state of the rules
beside it, file and default rules are read-only (409 naming the file), bad input gets a 400
naming the field, and API rules survive a restart. A PromQL `expr:` rule in a file loads beside
`query:` rules; one whose PromQL does not parse is reported per rule while the others load."""

from __future__ import annotations

import json

import pytest

from test_alerting import wait_for

FILE_RULES = """groups:
  - name: filegroup
    interval: 1s
    rules:
      - alert: FileRule
        query: {metric: e2e.file.duration, stat: max, window: 30s}
        op: ">"
        threshold: 1
      - alert: FromPrometheus
        expr: histogram_quantile(0.95, rate(http_duration_bucket[5m])) > 2
      - alert: BrokenPromQL
        expr: histogram_quantile(0.95, rate(http_duration_bucket[5m]) > 2
"""


def api_rule(name: str, metric: str, threshold: float, **extra) -> dict:
    body = {"alert": name, "query": {"metric": metric, "stat": "max", "window": "30s"}, "op": ">", "threshold": threshold,
            "group": "e2e-api", "interval": "1s", "labels": {"severity": "warning"}}
    body.update(extra)
    return body


def firing(server, rule: str) -> list[dict]:
    return [a for a in server.get("/api/v1/alerts", state="firing").json()["active"] if a["ruleName"] == rule]


def test_rules_api_create_change_delete_and_restart(start_server, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "file.yml").write_text(FILE_RULES)
    data = tmp_path / "data"
    server = start_server(data_dir=data, extra_args=["--rules", str(rules)])

    listed = server.get("/api/v1/alert-rules").json()
    by_name = {r["name"]: r for r in listed["rules"]}
    assert by_name["FileRule"]["source"] == "rules/file.yml" and by_name["FileRule"]["readOnly"]
    assert by_name["ApiLatencyHigh"]["source"] == "defaults"
    assert by_name["FromPrometheus"]["source"] == "rules/file.yml"
    assert "BrokenPromQL" not in by_name
    assert any("rules/file.yml" in p and "expr: PromQL 1:" in p for p in listed["problems"]), listed["problems"]

    # Created rules are in force at once.
    for name, metric in [("ApiKeep", "e2e.keep.duration"), ("ApiChange", "e2e.change.duration")]:
        created = server.post("/api/v1/alert-rules", data=json.dumps(api_rule(name, metric, 100)))
        assert created.status_code == 201, created.text
        assert created.json()["rule"]["source"] == "api" and not created.json()["rule"]["readOnly"]
    r = server.post_metrics([{"name": m, "kind": "timing", "value": 500, "unit": "ms"} for m in ["e2e.keep.duration", "e2e.change.duration"]])
    assert r.status_code == 200, r.text
    kept = wait_for(lambda: firing(server, "ApiKeep"), 10, "ApiKeep to fire")[0]
    wait_for(lambda: firing(server, "ApiChange"), 10, "ApiChange to fire")
    entry = next(r for r in server.get("/api/v1/alert-rules").json()["rules"] if r["name"] == "ApiKeep")
    assert entry["lastEvaluatedAt"] and entry["health"] == "ok" and entry["lastDurationMs"] is not None and entry["noData"] is False

    # Raising ApiChange's threshold resolves it; ApiKeep keeps its state (same firedAt).
    changed = server.request("PUT", "/api/v1/alert-rules/ApiChange", data=json.dumps(api_rule("ApiChange", "e2e.change.duration", 1000)))
    assert changed.status_code == 200, changed.text
    assert changed.json()["rule"]["rule"]["threshold"] == 1000
    wait_for(lambda: not firing(server, "ApiChange"), 10, "ApiChange to stop firing")
    assert firing(server, "ApiKeep")[0]["firedAt"] == kept["firedAt"]

    # A rule on a metric nobody sends is accepted and marked "no data".
    quiet = server.post("/api/v1/alert-rules", data=json.dumps(api_rule("ApiQuiet", "e2e.nobody.sends", 1)))
    assert quiet.status_code == 201, quiet.text
    wait_for(lambda: next(r for r in server.get("/api/v1/alert-rules").json()["rules"] if r["name"] == "ApiQuiet")["noData"], 10,
             "ApiQuiet to be marked no data")

    # File and default rules are read-only through the API.
    for method, name, source in [("PUT", "FileRule", "rules/file.yml"), ("DELETE", "FileRule", "rules/file.yml"), ("DELETE", "ApiLatencyHigh", "defaults")]:
        body = json.dumps(api_rule(name, "x", 1)) if method == "PUT" else None
        refused = server.request(method, f"/api/v1/alert-rules/{name}", data=body)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "conflict" and source in refused.json()["error"]["message"]

    deleted = server.request("DELETE", "/api/v1/alert-rules/ApiChange")
    assert deleted.status_code == 204, deleted.text
    assert server.request("DELETE", "/api/v1/alert-rules/ApiChange").status_code == 404
    assert server.get("/api/v1/alert-rules/ApiChange").status_code == 404
    assert server.get("/api/v1/alert-rules/ApiKeep").json()["rule"]["source"] == "api"

    # API rules are stored: after a restart on the same data directory they are in force again.
    server.stop()
    again = start_server(data_dir=data, extra_args=["--rules", str(rules)])
    names = {r["name"]: r["source"] for r in again.get("/api/v1/alert-rules").json()["rules"]}
    assert names.get("ApiKeep") == "api" and names.get("ApiQuiet") == "api" and "ApiChange" not in names
    assert names.get("FileRule") == "rules/file.yml"


@pytest.mark.parametrize("change, field", [
    ({"op": "=>"}, "op"),
    ({"query": {"metric": "m", "stat": "max", "window": "5 min"}}, "query.window"),
    ({"for": "soon"}, "for"),
    ({"query": {"stat": "max"}}, "query.metric"),
    ({"query": {"metric": "m", "stat": "p999x"}}, "query.stat"),
    ({"interval": "fast"}, "interval"),
    ({"no_data": "maybe"}, "no_data"),
])
def test_bad_rules_get_400_naming_the_field(server, change, field):
    body = api_rule("Bad" + field.replace(".", ""), "e2e.bad", 1)
    body.update(change)
    r = server.post("/api/v1/alert-rules", data=json.dumps(body))
    assert r.status_code == 400, r.text
    assert r.json()["error"]["message"].startswith(field + ":"), r.json()
    assert server.get("/healthz").status_code == 200


def test_duplicate_names_and_bad_bodies(server):
    first = server.post("/api/v1/alert-rules", data=json.dumps(api_rule("DupOnce", "e2e.dup", 1)))
    assert first.status_code == 201, first.text
    dup = server.post("/api/v1/alert-rules", data=json.dumps(api_rule("DupOnce", "e2e.dup", 2)))
    assert dup.status_code == 400 and "duplicate name" in dup.json()["error"]["message"], dup.text
    on_default = server.post("/api/v1/alert-rules", data=json.dumps(api_rule("ApiLatencyHigh", "e2e.dup", 2)))
    assert on_default.status_code == 400 and "defaults" in on_default.json()["error"]["message"], on_default.text
    assert server.post("/api/v1/alert-rules", data="not json").status_code == 400
    renamed = server.request("PUT", "/api/v1/alert-rules/DupOnce", data=json.dumps(api_rule("Other", "e2e.dup", 2)))
    assert renamed.status_code == 400 and renamed.json()["error"]["message"].startswith("alert:"), renamed.text
    in_default_group = server.post("/api/v1/alert-rules", data=json.dumps(api_rule("InDefaults", "e2e.dup", 2, group="perfwatch-defaults-app")))
    assert in_default_group.status_code == 409 and "defaults" in in_default_group.json()["error"]["message"], in_default_group.text
    assert server.request("PUT", "/api/v1/alert-rules/Nope", data=json.dumps(api_rule("Nope", "e2e.dup", 2))).status_code == 404
    # Nothing accepted before was lost.
    kept = server.get("/api/v1/alert-rules/DupOnce").json()["rule"]
    assert kept["rule"]["threshold"] == 1

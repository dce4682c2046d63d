"""The server side of `perfwatch edge`, end to end: the versioned edge policy (ETag long poll, publishing by
hand, the history), edge reports and the instances list, and edge optimizations applied, confirmed by the
edges, rolled back by hand and rolled back automatically when their validation regresses. Bad input is
refused by name and the old state is kept. (The edge itself is tested in test_edge_*.py.)"""

from __future__ import annotations

import threading
import time

from conftest import now_ms
from otlp_traffic import send_requests

CACHE_COURSES = {"routes": [{"match": "/courses/:id", "cache": {"ttl": "60s"}}]}


def error(response) -> str:
    return response.json()["error"]["message"]


def policy(server, etag: str | None = None, **params):
    """GET /api/v1/edge/policy with `If-None-Match: etag` and query parameters (`wait`, `edge`)."""
    headers = {"If-None-Match": etag} if etag is not None else {}
    return server.http.get(server.url + "/api/v1/edge/policy", params=params, headers=headers, timeout=90)


def report(edge: str, version: int, **extra) -> dict:
    body = {"edge": edge, "service": "edge", "policy_version": version, "refused": None,
            "upstreams": [{"url": "http://127.0.0.1:3000", "healthy": True, "ejected": False, "in_flight": 1,
                           "ewma_ms": 12.5, "requests": 120, "errors": 2}],
            "cache": {"entries": 3, "bytes": 4096, "hits": 90, "misses": 10, "stale": 0},
            "bytes_saved": 65536, "telemetry": {"buffered": 4, "dropped": 0}}
    body.update(extra)
    return body


def test_policy_long_poll_publish_and_history(start_server):
    server = start_server()
    first = policy(server, edge="e1")
    assert first.status_code == 200 and first.headers["ETag"] == '"0"'
    assert first.json()["version"] == 0 and first.json()["routes"] == []
    unchanged = policy(server, '"0"')
    assert unchanged.status_code == 304 and unchanged.headers["ETag"] == '"0"'

    # A long poll is answered as soon as a policy is published.
    answers = []
    poll = threading.Thread(target=lambda: answers.append(server.http.get(
        server.url + "/api/v1/edge/policy", params={"edge": "e1", "wait": "20s"}, headers={"If-None-Match": '"0"'},
        timeout=30)))
    started = time.monotonic()
    poll.start()
    time.sleep(0.5)
    published = server.request("PUT", "/api/v1/edge/policy", json={"balancing": "p2c_ewma", **CACHE_COURSES})
    assert published.status_code == 200, published.text
    assert published.headers["ETag"] == '"1"' and published.json()["version"] == 1
    poll.join(timeout=25)
    assert answers and answers[0].status_code == 200 and answers[0].headers["ETag"] == '"1"'
    assert time.monotonic() - started < 10
    assert answers[0].json()["routes"][0]["match"] == "/courses/:id" and answers[0].json()["balancing"] == "p2c_ewma"

    # Nothing new: the poll holds for `wait`, then 304.
    started = time.monotonic()
    held = policy(server, '"1"', wait="1s")
    assert held.status_code == 304 and held.headers["ETag"] == '"1"' and time.monotonic() - started >= 0.9
    # An ETag the server never gave (or a weak one for the current version) is answered at once.
    assert policy(server, '"7"', wait="10s").status_code == 200
    assert policy(server, 'W/"1"').status_code == 304

    history = server.get("/api/v1/edge/policies").json()["policies"]
    assert [(p["version"], p["reason"]) for p in history] == [(1, "published by hand")]
    assert history[0]["policy"]["balancing"] == "p2c_ewma" and isinstance(history[0]["published_at"], int)


def test_bad_policies_and_waits_are_refused_and_the_old_policy_kept(start_server):
    server = start_server()
    assert server.request("PUT", "/api/v1/edge/policy", json=CACHE_COURSES).status_code == 200
    unknown = server.request("PUT", "/api/v1/edge/policy", json={"routes": [{"match": "/a", "cach": {"ttl": "1s"}}]})
    assert unknown.status_code == 400 and "cach" in error(unknown), unknown.text
    balancing = server.request("PUT", "/api/v1/edge/policy", json={"balancing": "fastest", "routes": []})
    assert balancing.status_code == 400 and "balancing" in error(balancing), balancing.text
    not_json = server.request("PUT", "/api/v1/edge/policy", data=b"{routes: [", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400
    current = policy(server)
    assert current.headers["ETag"] == '"1"' and current.json()["routes"][0]["match"] == "/courses/:id"
    assert len(server.get("/api/v1/edge/policies").json()["policies"]) == 1

    for wait, problem in [("soon", "not a duration"), ("2m", "over the limit of 60s"), ("-1s", "not a duration")]:
        refused = policy(server, wait=wait)
        assert refused.status_code == 400 and error(refused) .startswith(f"wait '{wait}'") and problem in error(refused), refused.text
    assert server.request("DELETE", "/api/v1/edge/policy").status_code == 405
    assert server.get("/healthz").status_code == 200


def test_reports_show_in_the_instances_list(start_server):
    server = start_server()
    assert server.post("/api/v1/edge/report", json=report("edge-a", 0)).status_code == 204
    later = report("edge-b", 0, refused={"version": 3, "reason": "route 1: unknown field"}, future_field=1)
    assert server.post("/api/v1/edge/report", json=later).status_code == 204
    listing = server.get("/api/v1/edge/instances").json()
    assert listing["policy_version"] == 0
    assert [e["edge"] for e in listing["edges"]] == ["edge-b", "edge-a"]
    a = listing["edges"][1]
    assert set(a) == {"edge", "service", "policy_version", "refused", "upstreams", "cache", "bytes_saved", "telemetry",
                      "images", "reported_at", "age_ms", "connected"}
    assert a["images"] is None, a["images"]  # an edge that reports no image transforms (an older one)
    assert a["connected"] is True and a["age_ms"] >= 0 and a["bytes_saved"] == 65536
    assert a["upstreams"] == [{"url": "http://127.0.0.1:3000", "healthy": True, "ejected": False, "in_flight": 1,
                               "ewma_ms": 12.5, "requests": 120, "errors": 2}]
    assert listing["edges"][0]["refused"] == {"version": 3, "reason": "route 1: unknown field"}

    for body, problem in [({"service": "edge", "policy_version": 0}, "'edge' is required"),
                          ({"edge": " ", "policy_version": 0}, "'edge' must not be empty"),
                          ({"edge": "x", "policy_version": "1"}, "'policy_version' must be"),
                          ({"edge": "x", "policy_version": -1}, "'policy_version' must be 0 or more"),
                          ({"edge": "x", "policy_version": 0, "upstreams": [{"url": "u"}]}, "'upstreams[0].healthy' is required")]:
        refused = server.post("/api/v1/edge/report", json=body)
        assert refused.status_code == 400 and problem in error(refused), (body, refused.text)
    assert server.post("/api/v1/edge/report", data=b"[1]", headers={"Content-Type": "application/json"}).status_code == 400
    assert len(server.get("/api/v1/edge/instances").json()["edges"]) == 2


def test_apply_is_confirmed_by_the_edges_and_rollback_restores(start_server):
    server = start_server()
    created = server.post("/api/v1/optimizations", json={
        "type": "edge_cache", "description": "cache course pages", "route": "/courses/:id", "service": "edge",
        "policy_change": CACHE_COURSES})
    assert created.status_code == 201, created.text
    fix = created.json()
    assert fix["status"] == "proposed" and fix["policy_change"]["routes"][0]["match"] == "/courses/:id"
    assert fix["policy_version"] is None and fix["appliedAt"] is None

    assert server.post("/api/v1/edge/report", json=report("edge-a", 0)).status_code == 204
    applied = server.post(f"/api/v1/optimizations/{fix['id']}/apply")
    assert applied.status_code == 200, applied.text
    body = applied.json()
    assert body["status"] == "applied" and body["policy_version"] == 1 and body["previous_version"] == 0
    assert body["appliedAt"] is None  # edge-a still runs version 0
    served = policy(server, '"0"')
    assert served.headers["ETag"] == '"1"' and served.json()["routes"][0]["cache"]["ttl"] == "1m"
    assert "optimization %d applied" % fix["id"] in server.get("/api/v1/edge/policies").json()["policies"][0]["reason"]
    assert server.post(f"/api/v1/optimizations/{fix['id']}/apply").status_code == 409

    before_confirm = now_ms()
    assert server.post("/api/v1/edge/report", json=report("edge-a", 1)).status_code == 204
    confirmed = server.get(f"/api/v1/optimizations/{fix['id']}").json()
    assert confirmed["status"] == "applied" and confirmed["appliedAt"] >= before_confirm

    rolled = server.post(f"/api/v1/optimizations/{fix['id']}/rollback")
    assert rolled.status_code == 200, rolled.text
    assert rolled.json()["status"] == "rolled_back" and rolled.json()["rollback_reason"] == "rolled back by hand"
    assert isinstance(rolled.json()["rolled_back_at"], int)
    now = policy(server)
    assert now.headers["ETag"] == '"2"' and now.json()["routes"] == []
    assert server.post(f"/api/v1/optimizations/{fix['id']}/rollback").status_code == 409

    planned = server.post("/api/v1/optimizations", json={"type": "index", "description": "d", "route": "/r"}).json()
    not_edge = server.post(f"/api/v1/optimizations/{planned['id']}/rollback")
    assert not_edge.status_code == 409 and "only an applied edge optimization" in error(not_edge)
    assert server.post("/api/v1/optimizations/99999/rollback").status_code == 404
    assert server.post("/api/v1/optimizations/99999/apply").status_code == 404
    assert server.post("/api/v1/optimizations/x/rollback").status_code == 400

    bad = server.post("/api/v1/optimizations", json={"type": "edge_cache", "description": "d", "route": "/r",
                                                      "policy_change": {"routes": [{"match": "/r", "cache": {"ttl": "soon"}}]}})
    assert bad.status_code == 400 and "ttl" in error(bad), bad.text
    assert len(server.get("/api/v1/optimizations").json()["optimizations"]) == 2


def test_a_regressed_edge_optimization_is_rolled_back_automatically(start_server, tmp_path):
    config = tmp_path / "perfwatch.yml"
    config.write_text("analysis: {validation: {min_after: 1s, min_requests: 20}}\n")
    server = start_server(config=config, data_dir=tmp_path / "data")
    fix = server.post("/api/v1/optimizations", json={
        "type": "edge_cache", "description": "cache course pages", "route": "/courses/:id", "service": "edge",
        "policy_change": CACHE_COURSES}).json()
    applied = server.post(f"/api/v1/optimizations/{fix['id']}/apply").json()
    applied_at = applied["appliedAt"]  # no edge connected: applied at publish time
    assert applied["status"] == "applied" and isinstance(applied_at, int)

    # The validator reads whole 10 s sketch buckets: fast requests in the last bucket that ends before the
    # change, ten times slower ones in the first that starts after it.
    before_bucket = applied_at // 10_000 * 10_000 - 10_000
    after_bucket = -(-applied_at // 10_000) * 10_000
    time.sleep(max(0, applied_at + 25_000 - now_ms()) / 1000)
    send_requests(server, service="edge", version="1", route="/courses/:id", statement="SELECT 1",
                  start_ms=before_bucket + 200, end_ms=before_bucket + 9_500, count=100, self_ms=10, query_ms=1, seed=1)
    send_requests(server, service="edge", version="1", route="/courses/:id", statement="SELECT 1",
                  start_ms=after_bucket + 200, end_ms=after_bucket + 9_500, count=100, self_ms=200, query_ms=1, seed=2)
    run = server.post("/api/v1/analysis/run?window=2s")
    assert run.status_code == 200 and run.json()["failures"] == [], run.text

    judged = server.get(f"/api/v1/optimizations/{fix['id']}").json()
    assert judged["impact"]["verdict"] == "regressed", judged
    assert judged["status"] == "rolled_back" and judged["rollback_reason"].startswith("validation regressed: p95 ")
    assert "p=" in judged["rollback_reason"] and "100 requests before, 100 after" in judged["rollback_reason"]
    served = policy(server)
    assert served.headers["ETag"] == '"2"' and served.json()["routes"] == []
    assert server.get("/api/v1/edge/policies").json()["policies"][0]["reason"].startswith(
        "rollback of optimization %d: validation regressed" % fix["id"])


def test_a_held_long_poll_does_not_hold_up_shutdown(start_server):
    server = start_server()
    answers = []
    poll = threading.Thread(target=lambda: answers.append(policy(server, '"0"', wait="60s")))
    poll.start()
    time.sleep(0.5)
    started = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - started < 10
    poll.join(timeout=10)
    assert answers and answers[0].status_code == 304

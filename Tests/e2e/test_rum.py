"""Real-user monitoring over HTTP: the snippet endpoint, beacon ingest with its public keys,
origins, limits and per-item validation, and the vitals / journeys / errors reads."""

from __future__ import annotations

import gzip
import http.client
import json
import math
import time

from conftest import now_ms

SITE = "https://shop.example.com"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


THRESHOLDS = {"lcp": (2500, 4000), "inp": (200, 500), "cls": (0.1, 0.25), "fcp": (1800, 3000), "ttfb": (800, 1800)}
WEIGHTS = {"lcp": 0.30, "inp": 0.30, "cls": 0.25, "fcp": 0.10, "ttfb": 0.05}


def expected_score(p75: dict) -> int:
    total = 0.0
    for vital, value in p75.items():
        good, poor = THRESHOLDS[vital]
        sigma = (math.log(poor) - math.log(good)) / 1.2815515655446004
        score = 1.0 if value <= 0 else 0.5 * math.erfc((math.log(value) - math.log(poor)) / sigma / math.sqrt(2))
        total += WEIGHTS[vital] * score
    return round(total * 100)


def write_config(tmp_path, body: str):
    path = tmp_path / "perfwatch.yml"
    path.write_text(body)
    return path


def beacon(key: str, pv: str, url: str = "/courses/42", **fields) -> dict:
    out = {"v": 1, "key": key, "pv": pv, "sid": "s1", "url": url, "rel": "2.0", "t": now_ms(), "vw": 1280, "vh": 800}
    out.update(fields)
    return out


def post(srv, body, origin: str | None = SITE, agent: str = DESKTOP, content_type="text/plain;charset=UTF-8"):
    headers = {"Content-Type": content_type, "User-Agent": agent}
    if origin:
        headers["Origin"] = origin
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return srv.post("/api/v1/rum", data=data, headers=headers)


def test_snippet_is_served_small_and_gzipped(server):
    r = server.http.get(server.url + "/rum.js", headers={"Accept-Encoding": "gzip"}, stream=True)
    raw = r.raw.read(decode_content=False)
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
    assert r.headers["Content-Type"].startswith("text/javascript")
    assert len(raw) <= 4096, f"snippet is {len(raw)} bytes gzipped, budget 4096"
    assert b"sendBeacon" in gzip.decompress(raw)
    setup = server.get("/api/v1/rum/setup").json()
    assert setup["key"].startswith("pw_") and setup["origins"] == ["*"]
    assert f'data-key="{setup["key"]}"' in setup["snippet"] and "/rum.js" in setup["snippet"]


def test_configured_keys_origins_and_cors(start_server, tmp_path):
    cfg = write_config(tmp_path, f"rum:\n  keys:\n    - key: pk_shop\n      origins: [\"{SITE}\"]\n")
    srv = start_server(config=cfg, data_dir=tmp_path / "d")
    ok = post(srv, beacon("pk_shop", "a1", vitals={"lcp": 1200.5, "cls": 0.02, "fcp": 800, "ttfb": 120}))
    assert ok.status_code == 202, ok.text
    assert ok.headers["Access-Control-Allow-Origin"] == SITE
    assert ok.headers["Access-Control-Allow-Credentials"] == "true"

    unknown = post(srv, beacon("pk_nope", "a2"))
    assert unknown.status_code == 403 and "unknown browser key" in unknown.json()["error"]["message"]
    evil = post(srv, beacon("pk_shop", "a3"), origin="https://evil.example")
    assert evil.status_code == 403 and "evil.example" in evil.json()["error"]["message"]
    assert "Access-Control-Allow-Origin" not in evil.headers
    no_origin = post(srv, beacon("pk_shop", "a4"), origin=None)
    assert no_origin.status_code == 403

    preflight = srv.request("OPTIONS", "/api/v1/rum", headers={"Origin": SITE, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == SITE
    refused = srv.request("OPTIONS", "/api/v1/rum", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers

    # What was accepted is there; the refused beacons left nothing behind.
    views = srv.query("rum.page_views", "sum", from_="-10m", to="now").json()["series"]
    assert views and views[0]["points"][0][1] == 1


def test_bad_beacons_are_refused_or_trimmed_and_the_server_stays_up(server):
    key = server.get("/api/v1/rum/setup").json()["key"]
    good = post(server, beacon(key, "g1", vitals={"lcp": 2000, "cls": 0.05}))
    assert good.status_code == 202

    malformed = post(server, '{"v":1,"key":')
    assert malformed.status_code == 400 and "not valid JSON" in malformed.json()["error"]["message"]
    missing = post(server, {"v": 1, "key": key, "url": "/"})
    assert missing.status_code == 400 and "'pv'" in missing.json()["error"]["message"]
    assert post(server, {"v": 2, "key": key, "pv": "x", "url": "/"}).status_code == 400
    assert post(server, beacon(key, "ct"), content_type="application/xml").status_code == 415
    big = beacon(key, "big", errors=[{"kind": "error", "msg": "x" * 70_000}])
    assert post(server, big).status_code == 413

    absurd = post(server, beacon(key, "abs", vitals={"lcp": -5, "cls": 250, "inp": 7_200_000, "fcp": 900},
                                 nav={"load": 4_000_000, "dns": 3}))
    assert absurd.status_code == 202
    assert sorted(absurd.json()["dropped"]) == ["cls", "inp", "lcp", "nav.load"]
    metrics = server.get("/metrics").text
    assert 'reason="rum_out_of_range_lcp"' in metrics and 'reason="rum_out_of_range_cls"' in metrics
    # The sane values of that beacon and every earlier beacon are kept.
    fcp = server.query("rum.fcp", "count", from_="-10m", to="now").json()["series"]
    assert fcp[0]["points"][0][1] == 1
    lcp = server.query("rum.lcp", "count", from_="-10m", to="now").json()["series"]
    assert lcp[0]["points"][0][1] == 1
    assert server.get("/healthz").status_code == 200


def raw_post(url: str, body: bytes, source: str) -> int:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10, source_address=(source, 0))
    try:
        conn.request("POST", "/api/v1/rum", body=body, headers={"Content-Type": "text/plain", "Origin": SITE})
        return conn.getresponse().status
    finally:
        conn.close()


def test_a_flooding_address_gets_429_while_others_are_served(start_server, tmp_path):
    cfg = write_config(tmp_path, "rum:\n  rate_limit: {per_second: 5, burst: 10}\n")
    srv = start_server(config=cfg, data_dir=tmp_path / "d")
    key = srv.get("/api/v1/rum/setup").json()["key"]
    body = json.dumps(beacon(key, "f", errors=[{"kind": "error", "msg": "flood"}])).encode()
    statuses = [raw_post(srv.url, body, "127.0.0.2") for _ in range(40)]
    assert statuses.count(429) >= 20 and statuses[:10] == [202] * 10, statuses
    # Another address still has its whole budget.
    assert [raw_post(srv.url, body, "127.0.0.3") for _ in range(5)] == [202] * 5
    r = srv.http.post(srv.url + "/api/v1/rum", data=body, headers={"Content-Type": "text/plain"})
    assert r.status_code in (202, 429)
    assert srv.get("/healthz").status_code == 200


def test_vitals_ratings_score_devices_and_pages(start_server):
    server = start_server()
    key = server.get("/api/v1/rum/setup").json()["key"]
    # /courses/:id on phones: slow LCP; /pricing on desktops: fast everything.
    for i in range(4):
        assert post(server, beacon(key, f"m{i}", url=f"/courses/{100 + i}", vw=390,
                                   vitals={"lcp": 4200 + i * 100, "cls": 0.3, "inp": 120, "fcp": 2000, "ttfb": 500},
                                   res={"script": {"n": 3, "b": 300_000}}), agent=IPHONE).status_code == 202
    for i in range(4):
        assert post(server, beacon(key, f"d{i}", url="/pricing",
                                   vitals={"lcp": 900 + i * 10, "cls": 0.01, "inp": 40, "fcp": 500, "ttfb": 100},
                                   res={"script": {"n": 1, "b": 50_000}})).status_code == 202
    body = server.get("/api/v1/vitals", from_="-10m").json()
    rows = {(p["page"], p["device"]): p for p in body["pages"]}
    assert set(rows) == {("/courses/:id", "mobile"), ("/pricing", "desktop")}
    slow, fast = rows[("/courses/:id", "mobile")], rows[("/pricing", "desktop")]
    assert slow["samples"] == 4 and fast["samples"] == 4
    assert slow["vitals"]["lcp"]["rating"] == "poor" and slow["vitals"]["lcp"]["poor"] == 1
    assert 4200 <= slow["vitals"]["lcp"]["p75"] <= 4600
    assert slow["cwvPass"] is False and fast["cwvPass"] is True
    assert fast["vitals"]["cls"]["rating"] == "good" and fast["vitals"]["lcp"]["good"] == 1
    assert fast["score"] >= 90 and slow["score"] < 70
    # The documented curve: log-normal, 90 at the "good" threshold, 50 at the "poor" one.
    assert slow["score"] == expected_score({v: slow["vitals"][v]["p75"] for v in THRESHOLDS})
    overall = body["overall"]
    assert overall["samples"] == 8 and overall["vitals"]["lcp"]["good"] == 0.5 and overall["vitals"]["lcp"]["poor"] == 0.5
    only_mobile = server.get("/api/v1/vitals", from_="-10m", device="mobile").json()
    assert [p["page"] for p in only_mobile["pages"]] == ["/courses/:id"]
    js = server.query("rum.resource.bytes", "avg", from_="-10m", to="now", where="type=script", by="page").json()["series"]
    assert {s["tags"]["page"]: s["points"][0][1] for s in js} == {"/courses/:id": 300_000, "/pricing": 50_000}


def test_journey_funnel_errors_and_stale_journeys(start_server, tmp_path):
    cfg = write_config(tmp_path, "rum:\n  journey_timeout_multiple: 2\n")
    srv = start_server(config=cfg, data_dir=tmp_path / "d")
    key = srv.get("/api/v1/rum/setup").json()["key"]
    start = now_ms() - 10_000

    def journey(jid, state, steps, end=None, reason=None, target=5000):
        j = {"id": jid, "type": "booking", "target": target, "start": start, "state": state,
             "steps": [{"name": n, "t": t} for n, t in steps]}
        if end is not None:
            j["end"] = end
        if reason:
            j["reason"] = reason
        return j

    journeys = [
        journey("j1", "completed", [("select", 200), ("pay", 3000)], end=start + 3500),
        journey("j2", "completed", [("select", 300), ("pay", 2500)], end=start + 9000),
        journey("j3", "abandoned", [("select", 250)], end=start + 4000),
        journey("j4", "failed", [("select", 100), ("pay", 900)], end=start + 1000, reason="card declined"),
    ]
    assert post(srv, beacon(key, "p1", journeys=journeys)).status_code == 202
    # A late "open" progress report never reopens a finished journey.
    assert post(srv, beacon(key, "p1", journeys=[journey("j1", "open", [("select", 200)])])).status_code == 202
    # Stuck open with a 100 ms target: closed after 2 x 100 ms without news.
    assert post(srv, beacon(key, "p2", journeys=[journey("j5", "open", [("select", 10)], target=100)])).status_code == 202
    time.sleep(0.5)
    body = srv.get("/api/v1/journeys", from_="-10m").json()
    [booking] = body["journeys"]
    assert booking["started"] == 5 and booking["completed"] == 2 and booking["failed"] == 1
    assert booking["abandoned"] == 2 and booking["open"] == 0
    steps = {s["name"]: s for s in booking["steps"]}
    assert [s["name"] for s in booking["steps"]] == ["select", "pay"]
    assert steps["select"]["reached"] == 5 and steps["pay"]["reached"] == 3
    assert steps["select"]["abandonedHere"] == 2
    assert booking["completedWithinTarget"] == 0.5
    assert booking["failReasons"] == [{"reason": "card declined", "count": 1}]
    assert booking["bottleneck"]["step"] == "pay"

    errors = [{"kind": "error", "msg": f"TypeError: x is undefined (id {i})", "src": "https://shop.example.com/app.js",
               "line": 10, "col": 5, "stack": "at f (app.js:10:5)"} for i in range(3)]
    assert post(srv, beacon(key, "p3", url="/cart", errors=errors)).status_code == 202
    assert post(srv, beacon(key, "p4", url="/checkout",
                            errors=[{"kind": "rejection", "msg": "network down"}])).status_code == 202
    groups = srv.get("/api/v1/errors", from_="-10m").json()["errors"]
    assert [(g["count"], g["kind"]) for g in groups] == [(3, "error"), (1, "rejection")]
    assert groups[0]["pages"] == ["/cart"] and groups[0]["line"] == 10 and groups[0]["lastSeen"] >= groups[0]["firstSeen"]


def test_journeys_all_abandoned_at_one_step_name_the_drop_off(start_server):
    # Issue 15 #12: this read "slowest step: browse takes 0 ms at p95".
    srv = start_server()
    key = srv.get("/api/v1/rum/setup").json()["key"]
    start = now_ms() - 10_000
    journeys = [{"id": f"s{i}", "type": "shop", "target": 5000, "start": start, "state": "abandoned",
                 "end": start + 4000, "steps": [{"name": "browse", "t": 0}]} for i in range(4)]
    assert post(srv, beacon(key, "p1", journeys=journeys)).status_code == 202
    time.sleep(0.3)
    [shop] = srv.get("/api/v1/journeys", from_="-10m").json()["journeys"]
    assert shop["bottleneck"] == {"step": "browse", "reason": "drop-off",
                                  "detail": "most journeys end at browse (4 of 4, 100%, abandon there)"}

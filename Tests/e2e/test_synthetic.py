"""Synthetic checks end to end (issue 20, docs/audits.md): a check from the server's file runs against a
local HTTP server every second and is recorded as `synthetic.up`/`synthetic.duration`; the server is
stopped → up 0, the last failure is kept and the default "SyntheticCheckFailing" rule fires to a webhook;
the server comes back → the alert resolves. Bad check definitions through the API are 400s naming the
field, and the server stays up."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import free_port
from test_alerting import HookSink, wait_for


class Target:
    """The site under check: answers 200 "ok" until stopped; can be started again on the same port."""

    def __init__(self, port: int):
        self.port = port
        self.server = None

    def start(self):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                body = b"ok: ready"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def last_up(server) -> float | None:
    res = server.query("synthetic.up", "last", from_="-20s", by="check", where="check=site").json()
    points = [p for s in res.get("series", []) for p in s.get("points", [])]
    return points[-1][1] if points else None


def check_status(server) -> dict:
    return next(c for c in server.get("/api/v1/synthetic/uptime").json()["checks"] if c["name"] == "site")


def test_check_down_fires_and_recovers(start_server, tmp_path):
    target = Target(free_port())
    target.start()
    hook = HookSink()
    config = tmp_path / "perfwatch.yml"
    config.write_text(f"""synthetic:
  checks:
    - {{name: site, url: "http://127.0.0.1:{target.port}/", body_contains: ready, interval: 1s, timeout: 800ms, threshold: 5s}}
alerting:
  channels:
    - {{name: hook, type: webhook, url: "http://127.0.0.1:{hook.port}/hook", timeout: 2s}}
  routes:
    - match: ["alertname=~SyntheticCheck.*"]
      channels: [hook]
      group_by: [alertname]
      group_interval: 1s
""")
    server = start_server(config=config, data_dir=tmp_path / "data")
    try:
        rules = {(r["group"], r["name"]) for r in server.get("/api/v1/alert-rules").json()["rules"]}
        assert ("perfwatch-defaults-synthetic-site", "SyntheticCheckFailing") in rules, rules
        assert ("perfwatch-defaults-synthetic-site", "SyntheticCheckSlow") in rules, rules

        wait_for(lambda: last_up(server) == 1, 20, "synthetic.up = 1 while the site answers")
        duration = server.query("synthetic.duration", "p95", from_="-1m", where="check=site").json()
        assert duration["series"] and duration["series"][0]["points"][-1][1] > 0, duration
        listed = server.get("/api/v1/synthetic/checks").json()["checks"]
        assert [(c["name"], c["origin"], c["interval"]) for c in listed] == [("site", "file", "1s")], listed
        # File checks are read-only through the API.
        assert server.request("DELETE", "/api/v1/synthetic/checks/site").status_code == 409

        target.stop()
        wait_for(lambda: last_up(server) == 0, 20, "synthetic.up = 0 once the site is down")
        status = check_status(server)
        assert status["up"] is False and "cannot connect" in status["last_failure"], status
        [firing] = wait_for(lambda: hook.messages("/hook", "firing", "SyntheticCheckFailing"), 25, "the SyntheticCheckFailing alert")[:1]
        assert firing["alerts"][0]["labels"]["check"] == "site", firing

        target.start()
        wait_for(lambda: last_up(server) == 1, 20, "synthetic.up = 1 once the site is back")
        wait_for(lambda: hook.messages("/hook", "resolved", "SyntheticCheckFailing"), 25, "the resolved SyntheticCheckFailing alert")
        status = check_status(server)
        assert status["up"] is True and "cannot connect" in status["last_failure"], "the last failure is kept"
        assert 0 < status["uptime"]["24h"] < 100, status
        assert not hook.messages("/hook", "firing", "SyntheticCheckSlow"), "no run took 5 s"
    finally:
        target.stop()


def test_bad_check_definitions_are_400s(start_server, tmp_path):
    server = start_server()
    cases = [
        ({"url": "http://example.com/"}, "name: required field is missing"),
        ({"name": "a", "url": "gopher://example.com/"}, "url: must be an http:// or https:// URL"),
        ({"name": "a", "url": "http://example.com/", "interval": "10ms"}, "interval: must be at least 1s"),
        ({"name": "a", "url": "http://example.com/", "expect_status": "ok"}, "expect_status"),
        ({"name": "a", "url": "http://example.com/", "intervall": "5s"}, 'unknown key "intervall"'),
    ]
    for body, expected in cases:
        r = server.post("/api/v1/synthetic/checks", data=json.dumps(body), headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (body, r.status_code, r.text)
        assert expected in r.json()["error"]["message"], (body, r.text)
    # Loopback is not an allowed API destination unless outbound.allow lists it (as for webhooks): 403 naming the url.
    r = server.post("/api/v1/synthetic/checks", data=json.dumps({"name": "loop", "url": "http://127.0.0.1:1/"}),
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 403 and r.json()["error"]["message"].startswith("url: ") and "outbound.allow" in r.text, r.text
    r = server.post("/api/v1/synthetic/checks", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert server.get("/api/v1/synthetic/checks").json()["checks"] == []
    assert server.get("/healthz").status_code == 200


def test_browser_check_records_lab_figures(start_server, tmp_path):
    """A browser check loads the page in Chromium through the audit engine (no phone throttling) and records
    synthetic.up with the page's lab figures (synthetic.lcp, synthetic.fcp, …). Interval 1 m, the shortest:
    the first run comes within the first 10 s (its jittered start)."""
    target = Target(free_port())
    target.start()
    config = tmp_path / "perfwatch.yml"
    config.write_text(f"""synthetic:
  checks:
    - {{name: page, type: browser, url: "http://127.0.0.1:{target.port}/", interval: 1m, timeout: 30s}}
""")
    server = start_server(config=config, data_dir=tmp_path / "data")
    try:
        def figures():
            res = server.query("synthetic.fcp", "max", from_="-5m", where="check=page").json()
            return res["series"][0]["points"][-1][1] if res.get("series") and res["series"][0]["points"] else None
        fcp = wait_for(figures, 60, "synthetic.fcp of the browser check")
        assert fcp > 0, fcp
        up = server.query("synthetic.up", "last", from_="-5m", where="check=page", by="type").json()
        assert up["series"][0]["tags"] == {"type": "browser"} and up["series"][0]["points"][-1][1] == 1, up
        status = next(c for c in server.get("/api/v1/synthetic/uptime").json()["checks"] if c["name"] == "page")
        assert status["up"] is True and status["type"] == "browser", status
    finally:
        target.stop()

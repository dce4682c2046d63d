"""Alerting end to end against real sinks: a local HTTP receiver gets Alertmanager payloads
(one grouped message for many instances, then the resolution), an aiosmtpd SMTP server gets
the email, an unacknowledged alert escalates to a second channel while an acknowledged one does
not, a silence suppresses sending but not recording, a dead receiver is retried and the
delivery log shows it, and a broken rule file is reported with file, line and field while the
other rules run."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from conftest import free_port, now_ms


class HookSink:
    """Records every POST; with `ssl_context` it serves https (test_alerting_tls)."""

    def __init__(self, ssl_context=None):
        self.received: list[tuple[float, str, dict]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sink.received.append((time.monotonic(), self.path, json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def messages(self, path: str, status: str | None = None, alertname: str | None = None) -> list[dict]:
        out = [m for _, p, m in self.received if p == path and (status is None or m.get("status") == status)]
        if alertname:
            out = [m for m in out if m.get("groupLabels", {}).get("alertname") == alertname
                   or any(a["labels"].get("alertname") == alertname for a in m.get("alerts", []))]
        return out


class MailSink:
    def __init__(self):
        self.messages: list[bytes] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                sink.messages.append(envelope.content)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
        self.controller.start()
        self.port = self.controller.port


def wait_for(fn, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


RULES = """groups:
  - name: e2e
    interval: 1s
    rules:
      - alert: CheckoutSlow
        query: {metric: e2e.checkout.duration, stat: p95, by: [route], window: 3s}
        op: ">"
        threshold: 500
        labels: {severity: critical}
        annotations: {summary: "p95 of {{ $labels.route }} is {{ $value | ms }} (threshold {{ $threshold | ms }})"}
      - alert: SearchSlow
        # A window longer than the 3 s escalation: with 3 s the one slow point left the window
        # about when escalation came due, and a loaded machine resolved the alert first.
        query: {metric: e2e.search.duration, stat: p95, window: 30s}
        op: ">"
        threshold: 500
        labels: {severity: critical}
        annotations: {summary: "search p95 is {{ $value | ms }}"}
      - alert: Muted
        query: {metric: e2e.muted.duration, stat: max, window: 3s}
        op: ">"
        threshold: 1
        labels: {severity: critical}
"""

BROKEN = """groups:
  - name: broken
    rules:
      - alert: Oops
        query: {metric: x, stat: p95}
        op: "=>"
        threshold: 1
"""


def test_alerts_reach_real_sinks(start_server, tmp_path):
    hook, mail = HookSink(), MailSink()
    dead_port = free_port()  # nothing listens here
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "e2e.yml").write_text(RULES)
    (rules / "broken.yml").write_text(BROKEN)
    config = tmp_path / "perfwatch.yml"
    config.write_text(f"""alerting:
  channels:
    - {{name: hook, type: webhook, url: "http://127.0.0.1:{hook.port}/hook", timeout: 2s}}
    - {{name: second, type: webhook, url: "http://127.0.0.1:{hook.port}/escalated", timeout: 2s}}
    - {{name: dead, type: webhook, url: "http://127.0.0.1:{dead_port}/hook", timeout: 1s}}
    - name: mail
      type: email
      smtp: {{host: 127.0.0.1, port: {mail.port}, from: perfwatch@example.com, to: [oncall@example.com], tls: none}}
  routes:
    - match: ["alertname=~CheckoutSlow|SearchSlow|Muted"]
      channels: [hook, mail, dead]
      group_by: [alertname]
      group_interval: 1s
      escalate: [{{after: 3s, channels: [second]}}]
  delivery: {{max_attempts: 3, initial_backoff: 200ms, max_backoff: 1s, multiplier: 2}}
""")
    server = start_server(config=config, data_dir=tmp_path / "data", extra_args=["--rules", str(rules)])
    try:
        reload = server.post("/api/v1/rules/reload").json()
        assert any("broken.yml" in p and "op" in p for p in reload["problems"]), reload
        names = [r["alert"] for g in server.get("/api/v1/alert-rules").json()["groups"] for r in g["rules"]]
        assert {"CheckoutSlow", "SearchSlow", "Muted", "ApiLatencyHigh"} <= set(names) and "Oops" not in names

        silence = server.post("/api/v1/silences", data=json.dumps(
            {"matchers": ["alertname=Muted"], "duration": "1h", "createdBy": "e2e", "comment": "maintenance"}))
        assert silence.status_code == 201, silence.text

        def post(metric, route, value):
            r = server.post_metrics([{"name": metric, "kind": "timing", "value": value, "unit": "ms", "tags": {"route": route}}])
            assert r.status_code == 200, r.text

        crossed = time.monotonic()
        for route in ["/checkout", "/cart", "/pay"]:
            post("e2e.checkout.duration", route, 900)
        post("e2e.search.duration", "/search", 1200)
        post("e2e.muted.duration", "/x", 5)

        # One grouped message for the three checkout instances, within interval + 1 s (+ slack for a busy CI box).
        [first] = wait_for(lambda: hook.messages("/hook", "firing", "CheckoutSlow"), 20, "the CheckoutSlow webhook")
        arrived = next(t for t, p, m in hook.received if m is first)
        assert arrived - crossed <= 4.0, f"webhook after {arrived - crossed:.1f}s"
        assert first["version"] == "4" and first["status"] == "firing" and first["groupLabels"] == {"alertname": "CheckoutSlow"}
        assert sorted(a["labels"]["route"] for a in first["alerts"]) == ["/cart", "/checkout", "/pay"]
        assert "p95 of /checkout is 900 ms" in next(a["annotations"]["summary"] for a in first["alerts"] if a["labels"]["route"] == "/checkout")

        # Acknowledge the checkout alerts; leave search unacknowledged: only search escalates.
        active = server.get("/api/v1/alerts", state="firing").json()["active"]
        for alert in active:
            if alert["ruleName"] == "CheckoutSlow":
                ack = server.post(f"/api/v1/alerts/{alert['id']}/ack", data=json.dumps({"by": "ana", "comment": "on it"}))
                assert ack.status_code == 200, ack.text
        muted = [a for a in active if a["ruleName"] == "Muted"]
        assert muted, "a silenced alert is still evaluated and listed"
        # ... and marked as silenced, with the silence's end (issue 15).
        assert all(a["silenced"] and a["silencedUntil"] == silence.json()["endsAt"] for a in muted), muted
        assert not any(a["silenced"] or "silencedUntil" in a for a in active if a["ruleName"] != "Muted"), active
        wait_for(lambda: hook.messages("/escalated", None, "SearchSlow"), 20, "the escalation of SearchSlow")
        time.sleep(1.0)
        assert not hook.messages("/escalated", None, "CheckoutSlow"), "acknowledged alerts must not escalate"
        assert not hook.messages("/hook", None, "Muted"), "a silenced alert must not be sent"

        # The email.
        mail_body = wait_for(lambda: next((m for m in mail.messages if b"CheckoutSlow" in m), None), 20, "the email").decode()
        assert "Subject:" in mail_body and "FIRING" in mail_body.split("Subject:")[1].splitlines()[0]
        assert "text/plain" in mail_body and "text/html" in mail_body

        # Recovery: only fast requests in the window → resolved messages.
        for _ in range(4):
            for route in ["/checkout", "/cart", "/pay"]:
                post("e2e.checkout.duration", route, 50)
            time.sleep(1.0)
        resolved = wait_for(lambda: hook.messages("/hook", "resolved", "CheckoutSlow"), 20, "the resolved webhook")
        assert all(a["status"] == "resolved" for a in resolved[-1]["alerts"])
        # A resolved message says what the value came back to, or that data stopped (issue 15: it read "is no data …
        # for 10 s"). Which one depends on whether the evaluation that resolved it still saw the fast points in the 3 s
        # window: on a loaded machine it may not (the wording of each is pinned by EvaluatorTests).
        summaries = {a["labels"]["route"]: a["annotations"]["summary"] for m in resolved for a in m["alerts"]}
        assert re.fullmatch(r"p95 of /checkout is back to \d+(\.\d+)? ms \(threshold 500 ms\)|"
                            r"no data for p95 of /checkout in the last 3 s", summaries["/checkout"]), summaries
        assert not [text for text in summaries.values() if "is no data" in text], summaries

        # The dead receiver was retried, and the log says so; the others were not held up.
        deliveries = server.get("/api/v1/alerts/deliveries").json()["deliveries"]
        dead = [d for d in deliveries if d["channel"] == "dead"]
        assert len(dead) >= 2 and {d["outcome"] for d in dead} >= {"retrying"}, dead[:3]

        body = server.get("/api/v1/alerts", from_="-10m").json()
        kinds = {(h["rule"], h["kind"]) for h in body["history"]}
        assert {("CheckoutSlow", "firing"), ("CheckoutSlow", "acknowledged"), ("CheckoutSlow", "resolved"), ("Muted", "firing")} <= kinds
        assert any(h["rule"] == "Muted" and h["silenced"] for h in body["history"])
        stats = body["statistics"]
        assert {"rule": "CheckoutSlow", "count": 3} in stats["firedPerRule"] and stats["meanTimeToAcknowledgeMs"] is not None
    finally:
        mail.controller.stop()
        hook.server.shutdown()


def test_bad_alerting_requests(start_server):
    # Its own server: the shared one may have refused items in other tests, which (rightly)
    # fires the default IngestRejections rule.
    server = start_server()
    bad = server.post("/api/v1/silences", data=json.dumps({"matchers": ["alertname=~("], "duration": "1h", "createdBy": "x"}))
    assert bad.status_code == 400 and "matchers[0]" in bad.json()["error"]["message"]
    no_author = server.post("/api/v1/silences", data=json.dumps({"matchers": ["a=b"], "duration": "1h"}))
    assert no_author.status_code == 400 and "createdBy" in no_author.json()["error"]["message"]
    assert server.post("/api/v1/silences", data="nope").status_code == 400
    assert server.request("DELETE", "/api/v1/silences/none").status_code == 404
    assert server.post("/api/v1/alerts/none/ack", data=json.dumps({"by": "x"})).status_code == 404
    assert server.post("/api/v1/alerts/none/ack", data=json.dumps({})).status_code == 400
    assert server.get("/api/v1/alerts", state="burning").status_code == 400
    # A fresh install runs the default rules; those without data stay quiet.
    rules = server.get("/api/v1/alert-rules").json()
    assert len([r for g in rules["groups"] for r in g["rules"]]) >= 8
    assert server.get("/api/v1/alerts").json()["active"] == []

"""GET /api/v1/alerts/stream with a real SSE client (requests, streaming): state changes and
in-app notifications arrive as events, a heartbeat comment comes every ~15 s, and the server
still stops promptly on SIGTERM with the client connected (the stream ends cleanly)."""

from __future__ import annotations

import json
import threading
import time

import requests

from test_alerting import wait_for

RULES = """groups:
  - name: stream
    interval: 1s
    rules:
      - alert: StreamedAlert
        query: {metric: e2e.stream.duration, stat: max, window: 30s}
        op: ">"
        threshold: 100
        labels: {severity: warning}
        annotations: {summary: "stream max is {{ $value | ms }}"}
"""


class SSEClient:
    def __init__(self, url: str):
        self.events: list[tuple[str, dict]] = []
        self.comments: list[tuple[float, str]] = []
        self.ended_cleanly = False
        self.error: Exception | None = None
        self.response = requests.get(url, stream=True, timeout=(5, 60), headers={"Accept": "text/event-stream"})
        assert self.response.status_code == 200
        assert self.response.headers["Content-Type"].startswith("text/event-stream")
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        name, data = None, []
        try:
            for raw in self.response.iter_lines(decode_unicode=True):
                if raw is None:
                    continue
                if raw.startswith(":"):
                    self.comments.append((time.monotonic(), raw[1:].strip()))
                elif raw.startswith("event:"):
                    name = raw[6:].strip()
                elif raw.startswith("data:"):
                    data.append(raw[5:].strip())
                elif raw == "" and data:
                    self.events.append((name or "message", json.loads("\n".join(data))))
                    name, data = None, []
            self.ended_cleanly = True
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e


def test_alert_events_stream_live_and_end_on_shutdown(start_server, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "stream.yml").write_text(RULES)
    config = tmp_path / "perfwatch.yml"
    config.write_text("""alerting:
  channels:
    - {name: app, type: in_app}
  routes:
    - match: ["alertname=StreamedAlert"]
      channels: [app]
      group_interval: 1s
""")
    server = start_server(config=config, data_dir=tmp_path / "data", extra_args=["--rules", str(rules)])
    client = SSEClient(server.url + "/api/v1/alerts/stream")
    connected = time.monotonic()
    assert server.post("/api/v1/alerts/stream").status_code == 405

    r = server.post_metrics([{"name": "e2e.stream.duration", "kind": "timing", "value": 500, "unit": "ms"}])
    assert r.status_code == 200, r.text
    state = wait_for(lambda: [d for n, d in client.events if n == "state" and d["ruleName"] == "StreamedAlert" and d["kind"] == "firing"],
                     10, "the firing state event")[0]
    assert state["value"] == 500 and state["labels"]["alertname"] == "StreamedAlert"
    note = wait_for(lambda: [d for n, d in client.events if n == "notification"], 10, "the in-app notification event")[0]
    assert note["notification"]["alerts"][0]["annotations"]["summary"] == "stream max is 500 ms"

    # Acknowledging is a state change too.
    alert_id = server.get("/api/v1/alerts", state="firing").json()["active"][0]["id"]
    assert server.post(f"/api/v1/alerts/{alert_id}/ack", data=json.dumps({"by": "ana"})).status_code == 200
    wait_for(lambda: [d for n, d in client.events if n == "state" and d["kind"] == "acknowledged"], 10, "the acknowledged event")

    # Heartbeat: a comment ~15 s after connecting.
    wait_for(lambda: [c for t, c in client.comments if c == "heartbeat"], max(1.0, connected + 20 - time.monotonic()), "a heartbeat comment")
    beat = next(t for t, c in client.comments if c == "heartbeat")
    assert 13 <= beat - connected <= 19, f"heartbeat after {beat - connected:.1f}s"

    # Graceful shutdown with the client still connected: prompt exit, clean end of stream.
    stopping = time.monotonic()
    server.stop(timeout=10)
    assert time.monotonic() - stopping < 10
    client.thread.join(timeout=5)
    assert client.ended_cleanly, f"stream did not end cleanly: {client.error!r}"

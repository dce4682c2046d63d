"""Alert state survives a restart of the real binary on the same data directory: a firing
alert is not announced again as new, an escalation that ran does not run again, an
acknowledgement and a silence still hold. Both after a graceful stop (final save) and after
`kill -9` (the state saved each second)."""

from __future__ import annotations

import json
import time

import pytest

from test_alerting import HookSink, wait_for

RULES = """groups:
  - name: restart
    interval: 1s
    rules:
      - alert: StillBroken
        query: {metric: e2e.restart.duration, stat: max, window: 60s}
        op: ">"
        threshold: 100
        labels: {severity: critical}
      - alert: Acked
        query: {metric: e2e.acked.duration, stat: max, window: 60s}
        op: ">"
        threshold: 100
        labels: {severity: critical}
      - alert: Quiet
        query: {metric: e2e.quiet.duration, stat: max, window: 60s}
        op: ">"
        threshold: 100
        labels: {severity: critical}
"""


@pytest.mark.parametrize("stop", ["sigterm", "kill9"])
def test_state_survives_restart(start_server, tmp_path, stop):
    hook = HookSink()
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "restart.yml").write_text(RULES)
    config = tmp_path / "perfwatch.yml"
    config.write_text(f"""alerting:
  channels:
    - {{name: hook, type: webhook, url: "http://127.0.0.1:{hook.port}/hook", timeout: 2s}}
    - {{name: boss, type: webhook, url: "http://127.0.0.1:{hook.port}/boss", timeout: 2s}}
  routes:
    - match: ["alertname=~StillBroken|Acked|Quiet"]
      channels: [hook]
      group_by: [alertname]
      group_interval: 1s
      escalate: [{{after: 4s, channels: [boss]}}]
""")
    data = tmp_path / "data"
    args = ["--rules", str(rules)]

    def post_all(server):
        r = server.post_metrics([{"name": m, "kind": "timing", "value": 500, "unit": "ms"}
                                 for m in ["e2e.restart.duration", "e2e.acked.duration", "e2e.quiet.duration"]])
        assert r.status_code == 200, r.text

    try:
        first = start_server(data_dir=data, config=config, extra_args=args)
        silence = first.post("/api/v1/silences", data=json.dumps(
            {"matchers": ["alertname=Quiet"], "duration": "1h", "createdBy": "e2e", "comment": "maintenance"}))
        assert silence.status_code == 201, silence.text
        post_all(first)
        wait_for(lambda: hook.messages("/hook", "firing", "StillBroken"), 10, "StillBroken to be sent")
        acked = wait_for(lambda: [a for a in first.get("/api/v1/alerts", state="firing").json()["active"] if a["ruleName"] == "Acked"], 10, "Acked to fire")[0]
        assert first.post(f"/api/v1/alerts/{acked['id']}/ack", data=json.dumps({"by": "ana"})).status_code == 200
        wait_for(lambda: hook.messages("/boss", None, "StillBroken"), 10, "the escalation of StillBroken")
        before = {a["ruleName"]: a for a in first.get("/api/v1/alerts").json()["active"]}
        assert not hook.messages("/boss", None, "Acked")
        time.sleep(2.0)  # the state is saved every second; a graceful stop saves it again
        sent_before = len(hook.received)
        if stop == "kill9":
            first.kill()
        else:
            first.stop()

        second = start_server(data_dir=data, config=config, extra_args=args)
        post_all(second)
        time.sleep(5)  # several evaluation rounds, and past Acked's escalation time
        after = {a["ruleName"]: a for a in second.get("/api/v1/alerts").json()["active"]}
        assert after["StillBroken"]["state"] == "firing" and after["StillBroken"]["firedAt"] == before["StillBroken"]["firedAt"]
        assert after["Acked"]["acknowledgement"]["by"] == "ana"
        assert after["Quiet"]["state"] == "firing", "a silenced alert is still evaluated"
        assert [s["comment"] for s in second.get("/api/v1/silences").json()["silences"]] == ["maintenance"]
        new = hook.received[sent_before:]
        assert new == [], f"re-sent after restart: {[(p, m['status'], m['groupLabels']) for _, p, m in new]}"
        history = second.get("/api/v1/alerts", from_="-10m").json()["history"]
        assert len([h for h in history if h["rule"] == "StillBroken" and h["kind"] == "firing"]) == 1
    finally:
        hook.server.shutdown()

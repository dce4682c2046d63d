"""Durability contract (ARCHITECTURE.md, Storage): a 2xx on an ingest endpoint means the
data survives `kill -9` of the server right after the response.

Many acknowledged batches are posted by concurrent clients (so the server's group
commit is exercised), the server is SIGKILLed the moment the last response arrives,
restarted on the same data directory, and every acknowledged point must be there.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from conftest import now_ms
from hold_checks import ThreadSessions, post_beacon

REQUESTS = 200
VALUES_PER_REQUEST = 100
WORKERS = 4
SERIES = 8


def build_batches(base_ms: int):
    """Deterministic batches; every point has its own timestamp (strictly increasing),
    values are integers or halves so sums are exact in float64."""
    rng = random.Random(1234)
    batches = []
    ts = base_ms
    for b in range(REQUESTS):
        items = []
        for j in range(VALUES_PER_REQUEST):
            ts += 1
            s = f"s{(b * VALUES_PER_REQUEST + j) % SERIES}"
            kind = ("counter", "gauge", "timing")[j % 3]
            if kind == "counter":
                value = rng.randint(1, 1000)
            elif kind == "gauge":
                value = rng.randint(0, 1_000_000) / 2
            else:
                value = rng.randint(1, 200_000) / 4
            items.append(
                {
                    "name": f"e2e.durable.{kind}",
                    "kind": kind,
                    "value": value,
                    "time": ts,
                    "tags": {"series": s},
                    **({"unit": "ms"} if kind == "timing" else {}),
                }
            )
        batches.append(items)
    return batches


def test_acknowledged_points_survive_kill_9(start_server, tmp_path):
    data_dir = tmp_path / "durable"
    srv = start_server(data_dir)
    base = now_ms() - 5 * 60_000
    batches = build_batches(base)

    acked: list[list[dict]] = []
    lock = threading.Lock()
    sessions = ThreadSessions()

    def send(items):
        r = sessions.get().post(srv.url + "/api/v1/metrics", json={"metrics": items}, timeout=60)
        assert r.status_code == 200, f"{r.status_code}: {r.text[:300]}"
        body = r.json()
        assert body["accepted"] == len(items) and not body.get("rejected"), body
        with lock:
            acked.append(items)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for f in [pool.submit(send, items) for items in batches]:
            f.result()
    # The last acknowledgement has arrived: kill -9 at once.
    srv.kill()
    assert len(acked) == REQUESTS

    counters = defaultdict(lambda: [0, 0.0])  # series -> [count, sum]
    timings = defaultdict(lambda: [0, 0.0])
    gauges: dict[str, tuple[int, float, int]] = {}  # series -> (time, last value, count)
    for items in acked:
        for it in items:
            s = it["tags"]["series"]
            if it["kind"] == "counter":
                counters[s][0] += 1
                counters[s][1] += it["value"]
            elif it["kind"] == "timing":
                timings[s][0] += 1
                timings[s][1] += it["value"]
            else:
                t, _, n = gauges.get(s, (-1, 0.0, 0))
                gauges[s] = (it["time"], it["value"], n + 1) if it["time"] > t else (t, gauges[s][1], n + 1)

    again = start_server(data_dir)
    window = dict(from_=base - 60_000, to="now", by="series")

    def per_series(metric, stat):
        r = again.query(metric, stat, **window)
        assert r.status_code == 200, f"{metric} {stat}: {r.status_code} {r.text[:300]}"
        out = {}
        for s in r.json()["series"]:
            assert len(s["points"]) == 1, s
            out[s["tags"]["series"]] = s["points"][0][1]
        return out

    assert per_series("e2e.durable.counter", "count") == {s: v[0] for s, v in counters.items()}
    assert per_series("e2e.durable.counter", "sum") == {s: v[1] for s, v in counters.items()}
    assert per_series("e2e.durable.timing", "count") == {s: v[0] for s, v in timings.items()}
    assert per_series("e2e.durable.timing", "sum") == {s: v[1] for s, v in timings.items()}
    assert per_series("e2e.durable.gauge", "count") == {s: v[2] for s, v in gauges.items()}
    assert per_series("e2e.durable.gauge", "last") == {s: v[1] for s, v in gauges.items()}
    total = sum(v[0] for v in counters.values()) + sum(v[0] for v in timings.values()) + sum(v[2] for v in gauges.values())
    assert total == REQUESTS * VALUES_PER_REQUEST


def test_accepted_beacons_survive_kill_9(start_server, tmp_path):
    """A beacon's metrics are held back a few seconds before they reach the sketch tables
    (journaled in the beacon's commit): a 202 still means they survive kill -9."""
    cfg = tmp_path / "perfwatch.yml"
    cfg.write_text("rum:\n  rate_limit: {per_second: 100000, burst: 100000}\n")
    srv = start_server(config=cfg, data_dir=tmp_path / "d")
    key = srv.get("/api/v1/rum/setup").json()["key"]
    beacons = [
        {"v": 1, "key": key, "pv": f"pv-{i}", "sid": "s1", "url": f"/courses/{i % 7}", "rel": "2.0", "t": now_ms(), "vw": 1280,
         "vitals": {"lcp": 1000 + i, "cls": 0.01}}
        for i in range(300)
    ]
    sessions = ThreadSessions()

    def send(b):
        r = post_beacon(sessions.get(), srv, b, timeout=60)
        assert r.status_code == 202, f"{r.status_code}: {r.text[:300]}"

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for f in [pool.submit(send, b) for b in beacons]:
            f.result()
    srv.kill()  # the last 202 has arrived: kill -9 at once

    again = start_server(config=cfg, data_dir=tmp_path / "d")
    window = dict(from_=now_ms() - 10 * 60_000, to="now")
    views = again.query("rum.page_views", "sum", **window).json()["series"]
    assert [s["points"][0][1] for s in views] == [len(beacons)], views
    lcp = again.query("rum.lcp", "count", **window).json()["series"]
    assert [s["points"][0][1] for s in lcp] == [len(beacons)], lcp
    lcp_sum = again.query("rum.lcp", "sum", **window).json()["series"]
    assert [s["points"][0][1] for s in lcp_sum] == [sum(1000 + i for i in range(len(beacons)))], lcp_sum

"""Durability under repeated kills (issue 13, Build 7): rounds of `kill -9` at a random moment
during concurrent JSON, OTLP protobuf and beacon ingest (one thread each), restarting on the
same data directory every round. After each restart every acknowledged item is there and
nothing is doubled; every item is named uniquely (a series per JSON request, a trace id per
OTLP request, a page view per beacon, one service and one release per round) so the counts
are exact. Items in flight at the kill may or may not be there, but only once and whole.

PERFWATCH_KILL_ROUNDS sets the number of rounds (default 30); the totals are printed.
"""

from __future__ import annotations

import os
import random
import statistics
import threading
import time
from dataclasses import dataclass, field

import requests

from conftest import now_ms
from hold_checks import post_beacon, rum_key
from otlp_payloads import PROTOBUF, pb_traces, simple_span

ROUNDS = int(os.environ.get("PERFWATCH_KILL_ROUNDS", 30))
POINTS_PER_REQUEST = 20
SPANS_PER_TRACE = 2
CONFIG = "rum:\n  rate_limit: {per_second: 1000000, burst: 1000000}\n"


@dataclass
class Ledger:
    """Per kind: what was acknowledged and what was sent without an answer (in flight at the kill)."""

    acked: dict[str, set] = field(default_factory=lambda: {"json": set(), "otlp": set(), "beacon": set()})
    unsure: dict[str, set] = field(default_factory=lambda: {"json": set(), "otlp": set(), "beacon": set()})
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, item, response: requests.Response | None, expected: int) -> None:
        with self.lock:
            if response is None:
                self.unsure[kind].add(item)
            elif response.status_code == expected:
                self.acked[kind].add(item)
            elif response.status_code not in (429, 503):
                self.errors.append(f"{kind} {item}: {response.status_code} {response.text[:200]}")


def ingest(kind: str, srv, round_no: int, stop: threading.Event, ledger: Ledger, key: str) -> None:
    session = requests.Session()  # the previous server's connections are gone
    n = 0
    base = now_ms() - 60_000
    while not stop.is_set():
        n += 1
        if kind == "json":
            token = f"r{round_no}-json-{n}"
            points = [{"name": "kill.json", "kind": "counter", "value": 1, "time": base + n * POINTS_PER_REQUEST + i,
                       "tags": {"round": f"r{round_no}", "batch": token}} for i in range(POINTS_PER_REQUEST)]
            send = lambda: session.post(srv.url + "/api/v1/metrics", json={"metrics": points}, timeout=10)  # noqa: E731
            expected = 200
        elif kind == "otlp":
            trace_id = os.urandom(16).hex()
            token = (round_no, trace_id)
            spans = [simple_span(trace_id, f"{i + 1:016x}", name=f"kill-{i}") for i in range(SPANS_PER_TRACE)]
            body = pb_traces(f"kill-r{round_no}", spans)
            send = lambda: session.post(srv.url + "/v1/traces", data=body, headers=PROTOBUF, timeout=10)  # noqa: E731
            expected = 200
        else:
            token = (round_no, n)
            beacon = {"v": 1, "key": key, "pv": f"r{round_no}-pv-{n}", "sid": f"s{round_no}", "url": "/kill",
                      "rel": f"kr{round_no}", "t": now_ms(), "vw": 1280, "vitals": {"lcp": 1000 + n}}
            send = lambda: post_beacon(session, srv, beacon, timeout=10)  # noqa: E731
            expected = 202
        try:
            ledger.note(kind, token, send(), expected)
        except requests.RequestException:
            ledger.note(kind, token, None, expected)
            return  # the server is gone


def found_json(srv, round_no: int, since: int) -> dict[str, float]:
    # One round at a time: a query may return at most 1000 series.
    r = srv.query("kill.json", "count", from_=since, to="now", by="batch", where=f"round=r{round_no}")
    assert r.status_code == 200, r.text
    return {s["tags"]["batch"]: s["points"][0][1] for s in r.json()["series"]}


def found_traces(srv, round_no: int, since: int) -> dict[str, int]:
    r = srv.get("/api/v1/traces", service=f"kill-r{round_no}", limit=1000, from_=since, to="now")
    assert r.status_code == 200, r.text
    out: dict[str, int] = {}
    for t in r.json()["traces"]:
        assert t["traceId"] not in out, f"trace {t['traceId']} listed twice"
        out[t["traceId"]] = t["spanCount"]
    return out


def found_beacons(srv, round_no: int, since: int) -> tuple[float, float]:
    def one(metric, stat):
        r = srv.query(metric, stat, from_=since, to="now", where=f"release=kr{round_no}")
        assert r.status_code == 200, r.text
        series = r.json()["series"]
        return series[0]["points"][0][1] if series else 0

    return one("rum.page_views", "sum"), one("rum.lcp", "sum")


def verify_round(srv, ledger: Ledger, round_no: int, since: int, totals: dict) -> None:
    """Every acknowledged item of `round_no` is present exactly once; unacknowledged ones at most once."""
    prefix = f"r{round_no}-json-"
    json_found = {b: c for b, c in found_json(srv, round_no, since).items() if b.startswith(prefix)}
    acked = {i for i in ledger.acked["json"] if i.startswith(prefix)}
    unsure = {i for i in ledger.unsure["json"] if i.startswith(prefix)}
    missing = acked - json_found.keys()
    assert not missing, f"round {round_no}: acknowledged JSON batches lost: {sorted(missing)[:5]}"
    wrong = {b: c for b, c in json_found.items() if c != POINTS_PER_REQUEST}
    assert not wrong, f"round {round_no}: batches not stored exactly once and whole: {wrong}"
    assert json_found.keys() <= acked | unsure, f"round {round_no}: unknown batches {json_found.keys() - acked - unsure}"
    totals["json"][0] += len(acked) * POINTS_PER_REQUEST
    totals["json"][1] += sum(json_found[b] for b in acked)

    traces = found_traces(srv, round_no, since)
    acked = {t for r, t in ledger.acked["otlp"] if r == round_no}
    unsure = {t for r, t in ledger.unsure["otlp"] if r == round_no}
    missing = acked - traces.keys()
    assert not missing, f"round {round_no}: acknowledged traces lost: {sorted(missing)[:5]}"
    wrong = {t: c for t, c in traces.items() if c != SPANS_PER_TRACE}
    assert not wrong, f"round {round_no}: traces not stored exactly once and whole: {wrong}"
    assert traces.keys() <= acked | unsure, f"round {round_no}: unknown traces {traces.keys() - acked - unsure}"
    totals["otlp"][0] += len(acked)
    totals["otlp"][1] += len(acked & traces.keys())

    views, lcp_sum = found_beacons(srv, round_no, since)
    acked = {n for r, n in ledger.acked["beacon"] if r == round_no}
    unsure = {n for r, n in ledger.unsure["beacon"] if r == round_no}
    # Views count each beacon once; the LCP sum (1000 + n, distinct per beacon) shows which ones.
    # One sender, so at most one beacon (the newest, with the largest LCP) was in flight: the
    # view count says whether it was kept, and the LCP sum (1000 + n, distinct) that no
    # acknowledged one was lost in its place.
    kept = [set()] + ([unsure] if unsure else [])
    outcomes = {(len(acked | k), sum(1000 + n for n in acked | k)) for k in kept}
    assert (views, lcp_sum) in outcomes, (
        f"round {round_no}: {views} views with LCP sum {lcp_sum}; acknowledged {len(acked)} "
        f"(sum {sum(1000 + n for n in acked)}), in flight {sorted(unsure)}")
    totals["beacon"][0] += len(acked)
    totals["beacon"][1] += len(acked)  # all of them, as the check above proves


def test_kill_9_rounds_lose_and_double_nothing(start_server, tmp_path):
    data_dir = tmp_path / "kill-data"
    config = tmp_path / "perfwatch.yml"
    config.write_text(CONFIG)
    rng = random.Random(int(os.environ.get("PERFWATCH_KILL_SEED", 13)))
    since = now_ms() - 3_600_000
    ledger = Ledger()
    totals = {"json": [0, 0], "otlp": [0, 0], "beacon": [0, 0]}
    restarts: list[float] = []
    for round_no in range(ROUNDS + 1):
        started = time.monotonic()
        srv = start_server(data_dir, config=config)
        restarts.append(time.monotonic() - started)
        if round_no > 0:
            verify_round(srv, ledger, round_no - 1, since, totals)
        if round_no == ROUNDS:
            break
        key = rum_key(srv)
        stop = threading.Event()
        threads = [threading.Thread(target=ingest, args=(kind, srv, round_no, stop, ledger, key))
                   for kind in ("json", "otlp", "beacon")]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.15, 1.5))
        srv.kill()
        stop.set()
        for t in threads:
            t.join(timeout=15)
        assert not ledger.errors, ledger.errors[:5]

    # Last: everything from every round is still there (nothing lost by later rounds' recoveries).
    again = totals
    totals = {"json": [0, 0], "otlp": [0, 0], "beacon": [0, 0]}
    for round_no in range(ROUNDS):
        verify_round(srv, ledger, round_no, since, totals)
    assert totals == again
    print(f"\nkill -9 rounds: {ROUNDS}; acknowledged/found: JSON points {totals['json'][0]}/{totals['json'][1]}, "
          f"traces {totals['otlp'][0]}/{totals['otlp'][1]}, beacons {totals['beacon'][0]}/{totals['beacon'][1]}; "
          f"in flight at the kills: {sum(len(v) for v in ledger.unsure.values())}; "
          f"restart to /healthz median {statistics.median(restarts):.2f}s, max {max(restarts):.2f}s")
    assert all(acked > 0 for acked, _ in totals.values()), totals


def test_round_check_notices_a_lost_or_doubled_item(start_server, tmp_path):
    """The check the rounds rely on can fail: an acknowledged item that is not stored, or one
    stored twice, is reported."""
    config = tmp_path / "perfwatch.yml"
    config.write_text(CONFIG)
    srv = start_server(tmp_path / "d", config=config)
    since = now_ms() - 3_600_000
    ledger = Ledger()
    stop = threading.Event()
    key = rum_key(srv)
    workers = [threading.Thread(target=ingest, args=(kind, srv, 0, stop, ledger, key)) for kind in ("json", "otlp", "beacon")]
    for worker in workers:
        worker.start()
    time.sleep(0.5)
    stop.set()
    for worker in workers:
        worker.join()
    srv.kill()
    srv = start_server(tmp_path / "d", config=config)
    verify_round(srv, ledger, 0, since, {"json": [0, 0], "otlp": [0, 0], "beacon": [0, 0]})
    for kind, lost in (("json", "r0-json-999999"), ("otlp", (0, "f" * 32)), ("beacon", (0, 999_999))):
        ledger.acked[kind].add(lost)
        try:
            verify_round(srv, ledger, 0, since, {"json": [0, 0], "otlp": [0, 0], "beacon": [0, 0]})
        except AssertionError:
            pass
        else:
            raise AssertionError(f"a lost {kind} item went unnoticed")
        ledger.acked[kind].discard(lost)
    # Stored twice: the same batch sent again (a client retrying) doubles its count.
    batch = sorted(ledger.acked["json"])[0]
    again = [{"name": "kill.json", "kind": "counter", "value": 1, "time": now_ms() - 1000 - i,
              "tags": {"round": "r0", "batch": batch}} for i in range(POINTS_PER_REQUEST)]
    assert srv.post_metrics(again).status_code == 200
    try:
        verify_round(srv, ledger, 0, since, {"json": [0, 0], "otlp": [0, 0], "beacon": [0, 0]})
    except AssertionError:
        pass
    else:
        raise AssertionError(f"a doubled batch ({batch}) went unnoticed")

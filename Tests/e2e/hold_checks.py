"""Checks shared by the robustness suites (issue 13): the process is alive and answers
/healthz quickly, and data written before an attack is still there and exact.

`GoodData` writes a small, fully known set — counter values, a timing series (its p95 is
read back at once and must not move), a trace, a beacon — under names nobody else writes,
and `check()` reads all of it back.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid

import requests

from conftest import now_ms
from otlp_payloads import JSON, json_traces, simple_span

HEALTHZ_BUDGET_S = 1.0
SITE = "https://shop.example.com"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


def assert_alive(srv, what: str = "") -> None:
    """The process has not exited and /healthz answers 200 within a second."""
    code = srv.proc.poll()
    assert code is None, f"perfwatch exited with {code} {what}\n--- server output (tail) ---\n{srv.output()[-3000:]}"
    started = time.monotonic()
    try:
        r = requests.get(srv.url + "/healthz", timeout=HEALTHZ_BUDGET_S * 5)
    except requests.RequestException as e:
        raise AssertionError(f"/healthz did not answer {what}: {e}") from e
    took = time.monotonic() - started
    assert r.status_code == 200, f"/healthz -> {r.status_code} {what}"
    assert took <= HEALTHZ_BUDGET_S, f"/healthz took {took:.2f}s {what}"


class ThreadSessions:
    """One requests.Session per thread (a Session is not safe to share between threads)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def get(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session


def rum_key(srv) -> str:
    return srv.get("/api/v1/rum/setup").json()["key"]


def post_beacon(session, srv, body: dict, timeout: float = 30) -> requests.Response:
    return session.post(srv.url + "/api/v1/rum", data=json.dumps(body), timeout=timeout,
                        headers={"Content-Type": "text/plain;charset=UTF-8", "Origin": SITE, "User-Agent": DESKTOP})


def one_value(srv, metric: str, stat: str, **params) -> float | None:
    r = srv.query(metric, stat, from_=params.pop("from_", now_ms() - 3_600_000), to="now", **params)
    assert r.status_code == 200, f"{metric} {stat}: {r.status_code} {r.text[:300]}"
    series = r.json()["series"]
    if not series:
        return None
    assert len(series) == 1 and len(series[0]["points"]) == 1, series
    return series[0]["points"][0][1]


class GoodData:
    COUNTER_VALUES = [float(v) for v in range(1, 21)]
    TIMING_VALUES = [float(v) for v in range(1, 101)]

    def __init__(self, tag: str | None = None, *, with_trace: bool = True, with_beacon: bool = True) -> None:
        self.tag = tag or uuid.uuid4().hex[:10]
        self.counter = f"good.{self.tag}.count"
        self.timing = f"good.{self.tag}.lat"
        self.trace_id = uuid.uuid4().hex
        self.release = f"good-{self.tag}"
        self.with_trace = with_trace
        self.with_beacon = with_beacon
        self.p95: float | None = None

    def write(self, srv) -> "GoodData":
        items = [{"name": self.counter, "kind": "counter", "value": v} for v in self.COUNTER_VALUES]
        items += [{"name": self.timing, "kind": "timing", "value": v, "unit": "ms"} for v in self.TIMING_VALUES]
        r = srv.post_metrics(items)
        assert r.status_code == 200 and r.json()["accepted"] == len(items), r.text
        if self.with_trace:
            spans = [simple_span(self.trace_id, f"{i + 1:016x}", name=f"good-{i}") for i in range(3)]
            r = srv.post("/v1/traces", data=json_traces(f"good-{self.tag}", spans), headers=JSON)
            assert r.status_code == 200, r.text
        if self.with_beacon:
            body = {"v": 1, "key": rum_key(srv), "pv": f"pv-{self.tag}", "sid": "s1", "url": "/good", "rel": self.release,
                    "t": now_ms(), "vw": 1280, "vitals": {"lcp": 1234}}
            r = post_beacon(srv.http, srv, body)
            assert r.status_code == 202, r.text
        self.p95 = one_value(srv, self.timing, "p95")
        assert self.p95 is not None and abs(self.p95 - 95) <= 95 * 0.02, self.p95
        return self

    def check(self, srv) -> None:
        assert one_value(srv, self.counter, "count") == len(self.COUNTER_VALUES)
        assert one_value(srv, self.counter, "sum") == sum(self.COUNTER_VALUES)
        assert one_value(srv, self.timing, "count") == len(self.TIMING_VALUES)
        assert one_value(srv, self.timing, "sum") == sum(self.TIMING_VALUES)
        assert one_value(srv, self.timing, "p95") == self.p95
        if self.with_trace:
            r = srv.get(f"/api/v1/traces/{self.trace_id}")
            assert r.status_code == 200, r.text
            assert sorted(s["name"] for s in r.json()["spans"]) == ["good-0", "good-1", "good-2"], r.json()
        if self.with_beacon:
            assert one_value(srv, "rum.page_views", "sum", where=f"release={self.release}") == 1
            assert one_value(srv, "rum.lcp", "sum", where=f"release={self.release}") == 1234


def artifacts_dir():
    import pathlib

    path = pathlib.Path(os.environ.get("PERFWATCH_E2E_ARTIFACTS", pathlib.Path(__file__).parent / "artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path

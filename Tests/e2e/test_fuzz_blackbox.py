"""Black-box fuzz suite (issue 13, Build 4): mutated valid requests of every kind against the
real binary. It fails on any 5xx (except 429/503 carrying Retry-After), any hang (no answer
within 10 s), a reset or aborted connection on a well-formed request, or the process exiting;
afterwards, data written before the fuzzing must be intact and exact.

The run is deterministic for a seed: PERFWATCH_FUZZ_SEED (printed) replays it;
PERFWATCH_FUZZ_REQUESTS sets the count (default 2,000, about a minute on a debug build).
PERFWATCH_FUZZ_SKIP_METHODS (comma-separated, e.g. CONNECT) leaves methods out, for long
exploratory runs around a fault already known, so its hangs do not eat the time.
Every failure is written to Tests/e2e/artifacts/ (method, path, headers, body as base64,
and the server log's tail) and named in the failure message. When the process dies, the
fuzzer restarts it on the same data directory and goes on, so one run finds several faults.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter

import requests

from conftest import Server
from fuzzing import ABSENT_SEEDS, Outcome, Req, malformed_http, mutate, seeds, send, send_raw
from hold_checks import GoodData, artifacts_dir, assert_alive, rum_key

DEFAULT_REQUESTS = 2_000
RAW_SHARE = 0.12  # malformed HTTP over a raw socket
CONFIG = "rum:\n  rate_limit: {per_second: 1000000, burst: 1000000}\n"
DEATH_WAIT_S = 20.0
CANARY = {"metrics": [{"name": "fz.canary", "kind": "counter", "value": 1}]}  # a trapped process may take a while (backtracer) before it exits


class FuzzRun:
    def __init__(self, start_server, tmp_path, seed: int) -> None:
        self.start_server = start_server
        self.data_dir = tmp_path / "fuzz-data"
        self.config = tmp_path / "perfwatch.yml"
        self.config.write_text(CONFIG)
        self.seed = seed
        self.failures: list[dict] = []
        self.kinds = Counter()
        self.statuses = Counter()
        self.restarts = 0
        self.sent = 0
        self.time_by_kind: Counter = Counter()
        self.skip_methods = {m.strip().upper() for m in os.environ.get("PERFWATCH_FUZZ_SKIP_METHODS", "").split(",") if m.strip()}
        self.srv = self._start()
        self.session = requests.Session()

    def _start(self) -> Server:
        return self.start_server(self.data_dir, config=self.config)

    def record(self, index: int, req: Req, outcome: Outcome, failure: str, recent: list[Req]) -> None:
        name = f"fuzz-{self.seed}-{index:06d}-{failure}.json"
        entry = {"seed": self.seed, "index": index, "failure": failure, "status": outcome.status, "error": outcome.error,
                 "took_s": round(outcome.took, 3), "answer": outcome.message, "request": req.describe(),
                 "previous_requests": [r.describe() for r in recent[-5:-1]],
                 "server_log_tail": self.srv.output()[-4000:]}
        (artifacts_dir() / name).write_text(json.dumps(entry, indent=1))
        self.failures.append({"file": name, "failure": failure, "kind": req.kind, "method": req.method,
                              "path": req.path[:120], "status": outcome.status, "answer": outcome.message[:160]})
        self.kinds[failure] += 1

    def alive_or_restart(self) -> str | None:
        """None when the server still answers; otherwise why not, after restarting it."""
        if self.srv.proc.poll() is None:
            try:
                # Ingest too: a wedged pipeline answers /healthz but makes every later write hang.
                if requests.get(self.srv.url + "/healthz", timeout=3).status_code == 200 and \
                        requests.post(self.srv.url + "/api/v1/metrics", json=CANARY, timeout=5).status_code == 200:
                    return None
            except requests.RequestException:
                pass
            # Deaf: a trap whose backtrace is still being written, or a wedge.
            code = self.srv.wait_exit(DEATH_WAIT_S)
            verdict = f"exit-{code}" if code is not None else "wedged"
            self.srv.kill()
        else:
            verdict = f"exit-{self.srv.proc.returncode}"
        self.restarts += 1
        self.srv = self._start()
        self.session = requests.Session()
        return verdict

    def run(self, count: int) -> None:
        rng = random.Random(self.seed)
        key = rum_key(self.srv)
        pool = seeds(key, rng)
        # The seeds themselves must pass: a failing seed means the harness, not the server, is wrong.
        for req in pool:
            outcome = send(self.session, self.srv.url, req)
            expected = 404 if req.kind in ABSENT_SEEDS else 299
            assert outcome.status is not None and outcome.status <= expected, f"seed {req.kind}: {outcome}"
        recent: list[Req] = []
        host = f"127.0.0.1:{self.srv.port}"
        for index in range(count):
            seed = rng.choice(pool)
            if rng.random() < RAW_SHARE:
                req = malformed_http(mutate(seed, pool, rng) if rng.random() < 0.3 else seed, host, rng)
            else:
                req = mutate(seed, pool, rng)
            if req.method.upper() in self.skip_methods:
                continue
            recent = (recent + [req])[-5:]
            if req.raw is not None:
                outcome = send_raw("127.0.0.1", self.srv.port, req.raw)
            else:
                outcome = send(self.session, self.srv.url, req)
            self.sent += 1
            if self.sent % 1000 == 0:  # long runs are often cut short: keep the figures so far
                print(f"fuzz progress: {self.sent} sent, restarts {self.restarts}, failures {dict(self.kinds)}", flush=True)
            self.time_by_kind[req.kind] += outcome.took
            self.statuses[outcome.status if outcome.status is not None else outcome.error] += 1
            failure = outcome.failure(raw=req.raw is not None)
            dead = None
            if failure or outcome.error or self.srv.proc.poll() is not None:
                dead = self.alive_or_restart()
                if dead is not None:
                    host = f"127.0.0.1:{self.srv.port}"
            if dead is not None:
                self.record(index, req, outcome, dead, recent)
            elif failure:
                self.record(index, req, outcome, failure, recent)
                if failure in ("reset", "connection-error"):
                    self.session = requests.Session()


def test_blackbox_fuzz(start_server, tmp_path):
    seed = int(os.environ.get("PERFWATCH_FUZZ_SEED", time.time_ns() % 1_000_000_007))
    count = int(os.environ.get("PERFWATCH_FUZZ_REQUESTS", DEFAULT_REQUESTS))
    print(f"\nfuzz seed {seed} (replay: PERFWATCH_FUZZ_SEED={seed}), {count} requests")
    run = FuzzRun(start_server, tmp_path, seed)
    good = GoodData().write(run.srv)
    started = time.monotonic()
    run.run(count)
    elapsed = time.monotonic() - started
    print(f"fuzz: {run.sent} requests in {elapsed:.0f}s, restarts {run.restarts}, "
          f"failures {dict(run.kinds)}, answers {dict(run.statuses.most_common(20))}; "
          f"slowest kinds (s): {[(k, round(t)) for k, t in run.time_by_kind.most_common(5)]}")
    # Whatever happened, the data written before is still there and exact (after restarts too).
    assert_alive(run.srv, "after fuzzing")
    good.check(run.srv)
    if run.failures:
        # Many failures share a cause: grouped by class, method and path first, then each one.
        groups = Counter((f["failure"], f["method"], f["path"].split("?")[0], f["status"]) for f in run.failures)
        grouped = "\n".join(f"  {n:>4} x {fail} {method} {path} -> {status}" for (fail, method, path, status), n in groups.most_common())
        listing = "\n".join(f"  {f['failure']:<14} {f['method']} {f['path']} ({f['kind']}) -> {f['status']} {f['answer']!r} "
                            f"[artifacts/{f['file']}]" for f in run.failures[:40])
        raise AssertionError(f"fuzz seed {seed}: {len(run.failures)} failures in {run.sent} requests "
                             f"({dict(run.kinds)}):\n{grouped}\n{listing}")


def test_the_verdict_catches_what_the_fuzzer_must_report():
    """The judging the suite relies on can fail: a 500, a hang and a reset are failures;
    a 503 with Retry-After and a 4xx are not; malformed bytes may be closed on."""
    assert Outcome(status=500).failure(raw=False) == "http-500"
    assert Outcome(status=503).failure(raw=False) == "http-503"
    assert Outcome(status=503, retry_after=True).failure(raw=False) is None
    assert Outcome(status=400).failure(raw=False) is None
    assert Outcome(error="hang").failure(raw=True) == "hang"
    assert Outcome(error="reset").failure(raw=False) == "reset"
    assert Outcome(error="closed").failure(raw=True) is None

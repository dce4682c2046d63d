"""Regression tests for the crashes and wedges reproduced in issue 13 ("Make it hold"), one
per case (connection hygiene and auth/scopes have their own suites). Each starts a fresh
server, writes known-good data, sends the hostile request, and then checks that the answer was
a clear 2xx/4xx (never 5xx, never a hang), the process lives, /healthz is fast, and the good
data is still exact."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from hold_checks import GoodData, assert_alive, one_value
from otlp_payloads import (
    JSON,
    PROTOBUF,
    json_gauge_metrics,
    json_histogram_metrics,
    json_traces,
    nested_json_value,
    nested_pb_value,
    pb_gauge_metrics,
    pb_histogram_metrics,
    pb_traces,
    rejected_points,
    simple_span,
)

ANSWER_BUDGET_S = 2.0


@pytest.fixture
def guarded(start_server):
    """A fresh server with known-good data; after the test it must be alive and the data exact."""
    srv = start_server()
    good = GoodData(with_beacon=False).write(srv)
    yield srv
    assert_alive(srv, "after the hostile request")
    good.check(srv)


def timed(send) -> tuple[requests.Response, float]:
    started = time.monotonic()
    try:
        r = send()
    except requests.RequestException as e:
        raise AssertionError(f"no answer after {time.monotonic() - started:.1f}s: {e}") from e
    return r, time.monotonic() - started


def assert_clear_answer(r: requests.Response, took: float, allowed=(200, 400, 413)) -> None:
    assert r.status_code in allowed, f"{r.status_code}: {r.text[:300]}"
    assert took <= ANSWER_BUDGET_S, f"answered {r.status_code} after {took:.1f}s (budget {ANSWER_BUDGET_S}s)"


# -- attribute values nested as kvlist/array --------------------------------------------

def nested_body(signal: str, encoding: str, depth: int) -> tuple[bytes, dict]:
    span = simple_span("ab" * 16, "cd" * 8)
    if signal == "traces" and encoding == "protobuf":
        span["attributes"]["deep"] = nested_pb_value(depth)
        return pb_traces("nest", [span]), PROTOBUF
    if signal == "traces":
        span["attributes"]["deep"] = nested_json_value(depth)
        return json_traces("nest", [span]), JSON
    if encoding == "protobuf":
        return pb_gauge_metrics("nest.gauge", 1.0, {"deep": nested_pb_value(depth)}), PROTOBUF
    return json_gauge_metrics("nest.gauge", 1.0, {"deep": nested_json_value(depth)}), JSON


@pytest.mark.parametrize("depth", [26, 40])
@pytest.mark.parametrize("encoding", ["protobuf", "json"])
@pytest.mark.parametrize("signal", ["traces", "metrics"])
def test_nested_attribute_values_answer_at_once(guarded, signal, encoding, depth):
    body, headers = nested_body(signal, encoding, depth)
    r, took = timed(lambda: guarded.post(f"/v1/{signal}", data=body, headers=headers, timeout=15))
    assert_clear_answer(r, took)


@pytest.mark.parametrize("encoding", ["protobuf", "json"])
def test_two_nested_requests_at_once_do_not_stall_healthz(guarded, encoding):
    body, headers = nested_body("traces", encoding, 40)
    answers: list = []

    def send():
        try:
            answers.append(timed(lambda: requests.post(guarded.url + "/v1/traces", data=body, headers=headers, timeout=15)))
        except AssertionError as e:
            answers.append(e)

    senders = [threading.Thread(target=send) for _ in range(2)]
    for t in senders:
        t.start()
    # While both are in the server, /healthz must keep answering fast.
    for _ in range(10):
        assert_alive(guarded, "while two deeply nested requests are in flight")
        time.sleep(0.1)
    for t in senders:
        t.join(timeout=20)
    assert len(answers) == 2, answers
    for answer in answers:
        assert not isinstance(answer, AssertionError), str(answer)
        assert_clear_answer(*answer)


# -- a value the sketch cannot hold never poisons its series ------------------------------

def test_extreme_timing_values_do_not_poison_the_series(start_server, tmp_path):
    data = tmp_path / "poison"
    srv = start_server(data)
    first = srv.post_metrics([{"name": "api.lat", "kind": "timing", "value": 10}])
    assert first.status_code == 200, first.text
    r = srv.post_metrics([{"name": "api.lat", "kind": "timing", "value": 5e-324},
                          {"name": "api.lat", "kind": "timing", "value": 1e308}])
    # Rejected per item (listed) or clamped (accepted): never a commit failure for the whole series.
    assert r.status_code == 200, f"{r.status_code} {r.headers.get('Retry-After')}: {r.text[:300]}"
    body = r.json()
    assert body["accepted"] + len(body.get("rejected") or []) == 2, body
    clamped = body["accepted"] == 2

    values = [float(v) for v in range(1, 101)]
    normal = srv.post_metrics([{"name": "api.lat", "kind": "timing", "value": v} for v in values])
    assert normal.status_code == 200 and normal.json()["accepted"] == 100, f"{normal.status_code}: {normal.text[:300]}"

    # p95 of 10, 1..100 (and, if clamped, one very small and one very large value): rank 96-98 of 101-103.
    def p95(server):
        got = one_value(server, "api.lat", "p95")
        assert got is not None and 95 * 0.99 <= got <= 98 * 1.01, f"p95 {got} (clamped={clamped})"
        return got

    before = p95(srv)
    assert_alive(srv)
    srv.stop()
    again = start_server(data)
    assert p95(again) == before
    later = again.post_metrics([{"name": "api.lat", "kind": "timing", "value": 50}])
    assert later.status_code == 200 and later.json()["accepted"] == 1, f"{later.status_code}: {later.text[:300]}"
    assert one_value(again, "api.lat", "count") == 102 + (2 if clamped else 0)
    assert_alive(again)


# -- time ranges and numbers from the query string -----------------------------------------

@pytest.mark.parametrize("path,params", [
    ("/api/v1/traces", {"to": "9999-12-31T23:59:59Z"}),
    ("/api/v1/traces", {"from": "0001-01-01T00:00:00Z"}),
    ("/api/v1/traces", {"from": "0001-01-01T00:00:00Z", "to": "9999-12-31T23:59:59Z"}),
    ("/api/v1/query", {"metric": "x", "stat": "count", "from": "1e20"}),
    ("/api/v1/query", {"metric": "x", "stat": "count", "to": "-1e19"}),
    ("/api/v1/errors", {"from": "1e19"}),
    ("/api/v1/vitals", {"to": "9.3e18"}),
])
def test_extreme_time_ranges_answer_200_or_400(guarded, path, params):
    r, took = timed(lambda: guarded.http.get(guarded.url + path, params=params, timeout=15))
    # A range the store cannot represent is clamped (200) or refused naming the parameter (400).
    assert_clear_answer(r, took, allowed=(200, 400))
    if r.status_code == 400:
        message = r.json()["error"]["message"]
        assert any(name in message for name in params), message


def test_huge_min_duration_is_refused_or_clamped(guarded):
    r, took = timed(lambda: guarded.http.get(guarded.url + "/api/v1/traces", params={"min_duration": "99999999999999"}, timeout=15))
    assert_clear_answer(r, took, allowed=(200, 400))
    if r.status_code == 400:
        assert "min_duration" in r.json()["error"]["message"]


def test_alert_rule_duration_beyond_int64_is_400(guarded):
    body = {"alert": "HugeFor", "query": {"metric": "hold.x", "stat": "max", "window": "30s"}, "op": ">", "threshold": 1,
            "group": "hold", "interval": "1s", "for": "1234567890123456789012345678901m"}
    r, took = timed(lambda: guarded.post("/api/v1/alert-rules", data=json.dumps(body), timeout=15))
    assert_clear_answer(r, took, allowed=(400,))
    assert "for" in r.json()["error"]["message"], r.json()
    assert all(rule["name"] != "HugeFor" for rule in guarded.get("/api/v1/alert-rules").json()["rules"])


# -- OTLP histogram counts at or beyond 2^63 ---------------------------------------------------
# Issue 13 allows either answer: the point refused (400, or a partial success rejecting it) or
# its counts saturated (docs/architecture.md: sketch counts saturate). Either way the series
# stays usable: its queries answer and a later normal point is accepted and counted.

def assert_series_still_usable(srv, name: str, build, headers: dict, refused: bool) -> None:
    before = one_value(srv, name, "count")
    assert before is None or before >= 0, f"count {before}: wrapped around"
    normal = srv.post("/v1/metrics", data=build(name, 4, [1, 3], [10.0], 12.0), headers=headers)
    assert normal.status_code == 200 and rejected_points(normal) == 0, normal.content
    after = one_value(srv, name, "count")
    if refused:
        assert after == 4, f"count {after} after one normal point of 4"
    else:
        assert after is not None and after >= (before or 0), f"count went from {before} to {after}"
    assert one_value(srv, name, "p50") is not None


@pytest.mark.parametrize("encoding", ["protobuf", "json"])
@pytest.mark.parametrize("where", ["count", "bucket"])
@pytest.mark.parametrize("huge", [2**63, 2**64 - 1])
def test_histogram_counts_beyond_int64_are_refused_or_saturated(guarded, encoding, where, huge):
    name = f"hold.hist.{encoding}.{where}.{huge % 7}"
    count, buckets = (huge, [1, 2]) if where == "count" else (huge, [huge - 1, 1])
    build = pb_histogram_metrics if encoding == "protobuf" else json_histogram_metrics
    headers = PROTOBUF if encoding == "protobuf" else JSON
    r, took = timed(lambda: guarded.post("/v1/metrics", data=build(name, count, buckets, [10.0], 5.0), headers=headers, timeout=15))
    assert_clear_answer(r, took, allowed=(200, 400))
    refused = r.status_code == 400 or rejected_points(r) == 1
    assert_series_still_usable(guarded, name, build, headers, refused)


def test_histogram_buckets_summing_beyond_int64_are_refused_or_saturated(guarded):
    # Each bucket fits in Int64, their sum does not.
    name = "hold.hist.sum"
    body = pb_histogram_metrics(name, 2**63 - 1, [2**62, 2**62, 2**62], [1.0, 2.0], 5.0)
    r, took = timed(lambda: guarded.post("/v1/metrics", data=body, headers=PROTOBUF, timeout=15))
    assert_clear_answer(r, took, allowed=(200, 400))
    refused = r.status_code == 400 or rejected_points(r) == 1
    assert_series_still_usable(guarded, name, pb_histogram_metrics, PROTOBUF, refused)


# -- protobuf start-group bytes ----------------------------------------------------------------

@pytest.mark.parametrize("signal", ["traces", "metrics"])
def test_300k_start_group_bytes_are_400(guarded, signal):
    r, took = timed(lambda: guarded.post(f"/v1/{signal}", data=b"\x5b" * 300_000, headers=PROTOBUF, timeout=15))
    assert_clear_answer(r, took, allowed=(400,))


def test_good_data_helper_sees_a_lost_point(start_server):
    """The checks the tests above rely on can fail: a second write to the good counter is noticed."""
    srv = start_server()
    good = GoodData(with_beacon=False).write(srv)
    good.check(srv)
    assert srv.post_metrics([{"name": good.counter, "kind": "counter", "value": 1}]).status_code == 200
    with pytest.raises(AssertionError):
        good.check(srv)


# -- found by the black-box fuzz suite (test_fuzz_blackbox.py) ---------------------------------
# A body whose framing is broken — a chunk size beyond 64 bits, an unterminated chunk
# extension, or a body cut short by the client — is the client's fault: 400 (or a close),
# never a 500 "internal error" that alerting on 5xx would page someone for.

FRAMING = {
    "chunk-size-overflow": b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n{}\r\n0\r\n\r\n",
    "chunk-extension-unterminated": b'Transfer-Encoding: chunked\r\n\r\n2;ext="x\r\n{}\r\n0\r\n\r\n',
    "body-cut-short": b"Content-Length: 1000\r\n\r\n{}",
    "content-length-2^63": b"Content-Length: 9223372036854775808\r\n\r\n{}",
}


@pytest.mark.parametrize("path", ["/api/v1/metrics", "/api/v1/import/prometheus", "/v1/traces", "/api/v1/alert-rules"])
@pytest.mark.parametrize("framing", sorted(FRAMING))
def test_broken_body_framing_is_not_a_500(guarded, path, framing):
    from fuzzing import send_raw

    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n".encode()
    # send_raw half-closes after a quiet moment, so a server waiting for the promised rest sees the end.
    outcome = send_raw("127.0.0.1", guarded.port, head + FRAMING[framing])
    assert outcome.error != "hang", f"no answer and no close within {outcome.took:.1f}s"
    assert outcome.status is None or 400 <= outcome.status < 500, f"{outcome.status}: {outcome.message[:300]!r}"

"""`perfwatch edge` as a reverse proxy, observed from outside: pass-through, streaming, malformed and hanging
upstreams, request limits, retries, bad configuration, telemetry to the server (and without one), balancing.

Depends on the PROXY helper's work (Sources/PerfwatchEdge/Proxy, Balancing, Telemetry; EdgeCommand) and, for
the telemetry test, the ANALYSIS helper's edge derivations (`edge.request.duration`). The sample app is
edge_app.py; the processes come from edge_harness.py through the `start_apps` / `start_edge` fixtures.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
import time

import pytest
import requests

from conftest import Server, free_port, now_ms, perfwatch_binary
from edge_harness import closed_loop_latencies, percentile, run_edge_once, wait_for

# The edge's own timeouts are shortened through edge.yml so the 504 case takes seconds, not a minute (docs/edge.md).
SHORT_TIMEOUTS = "timeouts:\n  connect: 1s\n  first_byte: 2s\n"


def distinct_free_ports(count: int) -> list[int]:
    """Free ports held open together while chosen, so no two are the same."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def upstream_lines(apps) -> str:
    return "upstreams:\n" + "".join(f"  - {app.url}\n" for app in apps)


def raw_exchange(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Writes `data` on a fresh connection and reads until the peer closes or `timeout` passes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks):
                break
        return b"".join(chunks)


def test_pass_through_keeps_status_body_and_headers(start_apps, start_edge):
    [app] = start_apps(1)
    edge = start_edge([app.url])

    direct = requests.get(app.url + "/courses/42", timeout=10)
    proxied = edge.get("/courses/42")
    assert proxied.status_code == 200 and proxied.content == direct.content
    assert proxied.headers["Content-Type"] == "application/json"
    assert re.search(r"dur=\d+(\.\d+)?", proxied.headers.get("Server-Timing", "")), proxied.headers
    assert edge.get("/no/such/route").status_code == 404
    assert edge.request("HEAD", "/courses/42").status_code == 200

    posted = edge.request("POST", "/upload", data=b"x" * 300_000)
    assert posted.status_code == 200 and posted.json() == {"received": 300_000}

    seen = edge.get("/headers", headers={"X-Custom": "kept"}).json()
    assert seen["x-custom"] == "kept"
    assert seen["x-forwarded-for"].split(",")[-1].strip() == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-forwarded-host"] == f"127.0.0.1:{edge.port}"

    # A W3C trace is continued: same trace id upstream, the edge's span as the parent.
    incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    upstream_parent = edge.get("/headers", headers={"traceparent": incoming}).json()["traceparent"]
    version, trace_id, parent, _ = upstream_parent.split("-")
    assert trace_id == "4bf92f3577b34da6a3ce929d0e0e4736" and parent != "00f067aa0ba902b7" and len(parent) == 16


def test_responses_stream_through(start_apps, start_edge):
    [app] = start_apps(1)
    edge = start_edge([app.url])
    started = time.monotonic()
    with edge.http.get(edge.url + "/stream?chunks=5&gap_ms=300", stream=True, timeout=30) as r:
        arrivals = [(time.monotonic() - started, chunk) for chunk in r.iter_content(None)]
    body = b"".join(chunk for _, chunk in arrivals)
    assert body.count(b"chunk ") == 5
    # The first chunk comes through while the upstream is still writing (5 chunks take >= 1.2 s).
    assert arrivals[0][0] < 0.8 and arrivals[-1][0] >= 1.2, [t for t, _ in arrivals]


def test_malformed_upstream_answers_are_502_and_the_pool_recovers(start_apps, start_edge):
    [app] = start_apps(1)
    edge = start_edge([app.url])

    bad = edge.get("/bad-head")
    assert bad.status_code == 502 and bad.text.startswith("perfwatch edge: ") and "malformed" in bad.text, bad.text

    # Broken after the head (bad chunk size; closed after 1,000 of 100,000 promised bytes): a 502 when the edge
    # notices before it answers, otherwise the client's answer is cut short too; never one that looks whole.
    for path in ("/bad-chunk", "/slow-body"):
        try:
            cut = edge.get(path)
            assert cut.status_code == 502 and "malformed" in cut.text, (path, cut.status_code, cut.headers)
        except requests.exceptions.ChunkedEncodingError:
            pass

    for i in range(10):
        r = edge.get(f"/courses/{i}")
        assert r.status_code == 200, (i, r.status_code, r.text)


def _read_until(sock: socket.socket, done, limit: int = 2_000_000) -> bytes:
    data = b""
    while not done(data):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
        assert len(data) <= limit
    return data


def test_websocket_upgrade_is_tunnelled_both_ways(start_apps, start_edge):
    [app] = start_apps(1)
    edge = start_edge([app.url])
    host, port = edge.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /ws HTTP/1.1\r\nHost: shop.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        data = _read_until(sock, lambda d: b"\r\n\r\n" in d and d.endswith(b"\n") and b"hello from" in d)
        head, _, rest = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        # RFC 6455's own example key and answer: the handshake reached the upstream and came back whole.
        assert b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head, head
        assert b"Server-Timing: edge;dur=" in head, head
        # What the upstream sent right behind its 101, in the same write, is passed on too.
        assert rest == b"hello from app-1\n", rest
        # Both ways, one message larger than the sockets' buffers.
        for payload in (b"ping", bytes(range(256)) * 4000):
            sock.sendall(payload)
            echoed = _read_until(sock, lambda d, n=len(payload): len(d) >= n)
            assert echoed == payload, (len(echoed), len(payload))
        # The client leaves: the upstream side is closed too, and the edge answers plain HTTP as before.
        sock.shutdown(socket.SHUT_WR)
        assert _read_until(sock, lambda d: False) == b""
    assert app.served("/ws") == 1
    assert edge.get("/courses/1").status_code == 200
    # An Upgrade the upstream does not take is an ordinary answer.
    declined = edge.get("/courses/2", headers={"Upgrade": "websocket", "Connection": "Upgrade"})
    assert declined.status_code == 200 and declined.json()["id"] == "2", declined.text
    assert declined.headers.get("Connection") == "close", declined.headers


def test_expect_100_continue_is_answered_by_the_edge(start_apps, start_edge):
    [app] = start_apps(1)
    edge = start_edge([app.url])
    port = int(edge.url.rsplit(":", 1)[1])
    body = b"x" * 200_000
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: shop.example\r\nContent-Type: application/octet-stream\r\n"
                     b"Expect: 100-continue\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        sock.settimeout(0.5)  # curl waits a second before sending anyway: the edge must be quicker than that
        interim = _read_until(sock, lambda d: b"\r\n\r\n" in d)
        assert interim.startswith(b"HTTP/1.1 100"), interim
        sock.settimeout(5)
        sock.sendall(body)
        answer = _read_until(sock, lambda d: b"\r\n\r\n" in d and d.endswith(b"}"))
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
        assert answer.endswith(b'{"received": 200000}'), answer[-200:]
        # The connection goes on serving: the interim answer left no state behind.
        sock.sendall(b"GET /courses/3 HTTP/1.1\r\nHost: shop.example\r\n\r\n")
        after = _read_until(sock, lambda d: b"\r\n\r\n" in d and d.endswith(b"}"))
        assert after.startswith(b"HTTP/1.1 200") and b'"id": "3"' in after, after[:300]


def test_a_request_body_that_breaks_mid_stream_ends_that_connection_only(start_apps, start_edge):
    [app] = start_apps(1)
    edge = start_edge([app.url])
    port = int(edge.url.rsplit(":", 1)[1])
    for delay in (0, 0.3):  # the bad chunk in the same read as the head, and after the upstream was reached
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"POST /upload HTTP/1.1\r\nHost: shop.example\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            time.sleep(delay)
            sock.sendall(b"zz-not-hex\r\nbad\r\n0\r\n\r\n")
            answer = _read_until(sock, lambda d: False)  # until the edge closes
        # One answer at most (a 400 naming the problem, or the upstream's own if it came first), then the close.
        assert answer.count(b"HTTP/1.1 ") <= 1, answer
        if b" 400 " in answer.split(b"\r\n")[0]:
            assert b"could not be read" in answer, answer
    assert edge.get("/courses/1").status_code == 200


def test_connection_close_is_honoured_on_pass_through(start_apps, start_edge):
    [app] = start_apps(1)
    edge = start_edge([app.url])
    port = int(edge.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /courses/1 HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n")
        data = _read_until(sock, lambda d: False)  # returns when the edge closes
    head = data.split(b"\r\n\r\n")[0].decode().lower()
    assert head.startswith("http/1.1 200") and "connection: close" in head, head


def test_a_hanging_upstream_is_a_504_after_the_timeout(start_apps, start_edge):
    [app] = start_apps(1)
    edge = start_edge(config_text=upstream_lines([app]) + SHORT_TIMEOUTS)
    started = time.monotonic()
    r = edge.get("/hang?seconds=30", timeout=20)
    elapsed = time.monotonic() - started
    assert r.status_code == 504, (r.status_code, r.text)
    assert 1.5 <= elapsed < 10, elapsed
    assert edge.get("/courses/1").status_code == 200


def test_request_limits_431_and_413_without_hanging(start_apps, start_edge):
    [app] = start_apps(1)
    edge = start_edge([app.url])

    # Over the 32 KiB default, and far over it (past what the HTTP parser itself accepts): 431 either way.
    for size in (40_000, 200_000):
        big_header = edge.get("/headers", headers={"X-Big": "a" * size})
        assert big_header.status_code == 431, (size, big_header.status_code, big_header.text)

    # Announces 10 GiB and sends a few bytes: the answer must come from the headers, at once.
    started = time.monotonic()
    answer = raw_exchange(edge.port, b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                                     b"Content-Length: 10737418240\r\n\r\n" + b"x" * 1000)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 5
    assert app.served("/upload") == 0
    assert edge.get("/courses/1").status_code == 200


def test_idempotent_requests_are_retried_on_another_instance(start_apps, start_edge):
    [alive] = start_apps(1)
    dead = f"http://127.0.0.1:{free_port()}"
    edge = start_edge([dead, alive.url], balancing="round_robin")
    statuses = [edge.get(f"/courses/{i}").status_code for i in range(20)]
    assert statuses == [200] * 20
    assert alive.served() == 20


@pytest.mark.parametrize(
    "config, line, field",
    [
        ("listen: 127.0.0.1:1\nupstreams:\n  - http://127.0.0.1:2\nbalancing: fastest\n", 4, "balancing"),
        ("listen: 127.0.0.1:1\nupstreams:\n  - not a url\n", 3, "upstreams"),
        ("listen: 127.0.0.1:1\nupstreams: [http://127.0.0.1:2]\ncolour: blue\n", 3, "colour"),
        ("listen: 127.0.0.1:1\nupstreams: [http://127.0.0.1:2]\nroutes:\n  - match: /a\n    cache: {ttl: soon}\n",
         5, "ttl"),
        ("listen: 127.0.0.1:1\nupstreams: [http://127.0.0.1:2]\ntimeouts:\n  first_byte: 0s\n", 4, "first_byte"),
    ],
)
def test_invalid_config_exits_2_naming_file_line_and_field(tmp_path, config, line, field):
    path = tmp_path / "edge.yml"
    path.write_text(config)
    result = run_edge_once(["--config", str(path)])
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    output = result.stderr + result.stdout
    assert re.search(rf"{re.escape(str(path))}:{line}: [\w.\[\]]*{field}[\w.\[\]]*: \S", output), output


def test_invalid_flags_exit_2():
    for args, word in ((["--listen", "127.0.0.1:0", "--upstream", "ftp://x"], "upstream"),
                       (["--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:2", "--balancing", "fastest"], "balancing"),
                       (["--listen", "127.0.0.1:0"], "upstream")):
        result = run_edge_once(args)
        output = (result.stderr + result.stdout).lower()
        assert result.returncode == 2 and word in output, (args, result.returncode, output)


def test_sigterm_drains_requests_in_flight(start_apps, start_edge):
    [app] = start_apps(1)
    edge = start_edge([app.url])
    result: dict = {}

    def slow_download() -> None:
        try:
            r = requests.get(edge.url + "/stream?chunks=5&gap_ms=300", timeout=30)
            result["status"], result["body"] = r.status_code, r.content
        except requests.RequestException as e:
            result["error"] = e

    t = threading.Thread(target=slow_download)
    t.start()
    time.sleep(0.4)
    assert edge.stop() == 0, edge.output()
    t.join(timeout=30)
    assert result.get("status") == 200 and result["body"].count(b"chunk ") == 5, result


def edge_query(server: Server, metric: str, by: str, **where) -> dict[str, float]:
    params = {"where": [f"{k}={v}" for k, v in where.items()], "from_": now_ms() - 10 * 60_000, "to": now_ms() + 60_000}
    r = server.query(metric, "count", by=by, **params)
    assert r.status_code == 200, r.text
    return {s["tags"].get(by, ""): s["points"][0][1] for s in r.json()["series"] if s["points"]}


def test_telemetry_reaches_the_server_per_route_upstream_and_cache_outcome(start_server, start_apps, start_edge):
    server = start_server()
    apps = start_apps(2)
    edge = start_edge([a.url for a in apps], server=server.url, service="edge", name="edge-e2e", balancing="round_robin")
    for i in range(20):
        assert edge.get(f"/courses/{i}").status_code == 200
    for _ in range(6):
        assert edge.get("/me").status_code == 200

    routes = wait_for("edge routes in http.server.duration",
                      lambda: (lambda r: r if r.get("/courses/:id") == 20 and r.get("/me") == 6 else None)(
                          edge_query(server, "http.server.duration", "route", service="edge")))
    assert set(routes) == {"/courses/:id", "/me"}
    upstreams = wait_for("edge.request.duration per upstream",
                         lambda: (lambda r: r if sum(r.values()) == 26 else None)(
                             edge_query(server, "edge.request.duration", "upstream", service="edge")))
    assert upstreams == {apps[0].url: 13, apps[1].url: 13}
    outcomes = edge_query(server, "edge.request.duration", "cache", service="edge")
    assert outcomes == {"NONE": 26}


def test_an_unreachable_server_does_not_stop_proxying_and_telemetry_is_buffered(start_apps, start_edge, start_server):
    [app] = start_apps(1)
    port = free_port()
    edge = start_edge([app.url], server=f"http://127.0.0.1:{port}", service="edge")
    for i in range(30):
        assert edge.get(f"/courses/{i}").status_code == 200
    time.sleep(2)  # at least one failed export
    assert edge.proc.poll() is None
    # The server comes up where the edge expects it: the buffered spans arrive.
    server = start_server(port=port)
    wait_for("buffered spans after the server came up",
             lambda: edge_query(server, "http.server.duration", "route", service="edge").get("/courses/:id") == 30,
             timeout=60)


def test_p2c_ewma_beats_round_robin_at_p99_with_one_instance_10x_slower(start_apps, start_edge):
    apps = start_apps(3, delay_ms=10, slow=2)
    p99 = {}
    for balancing in ("round_robin", "p2c_ewma"):
        edge = start_edge([a.url for a in apps], balancing=balancing)
        closed_loop_latencies(edge.url + "/courses/1", workers=2, per_worker=20)  # connections and EWMAs warm
        # 3 clients: the fast instances stay lightly loaded, so latency alone (not queueing) should decide.
        latencies = closed_loop_latencies(edge.url + "/courses/1", workers=3, per_worker=200)
        p99[balancing] = percentile(latencies, 99)
        edge.stop()
    # Round robin sends a third of the requests to the 100 ms instance, so its p99 is at least that; p2c_ewma's p99
    # is the fast instances' only when under 1% of the requests go to the slow one.
    assert p99["round_robin"] >= 100, p99
    assert p99["p2c_ewma"] < 0.6 * p99["round_robin"], p99


def test_a_policy_the_edge_cannot_apply_is_refused_and_the_old_one_stays(start_server, start_apps, start_edge):
    """Depends on SERVER (PUT /api/v1/edge/policy, /api/v1/edge/instances) and PROXY (policy sync, report)."""
    server = start_server()
    apps = start_apps(2)
    edge = start_edge([a.url for a in apps], server=server.url, name="edge-refuses", service="edge")
    good = {"routes": [{"match": "/courses/:id", "cache": {"ttl": "60s"}}]}
    assert server.request("PUT", "/api/v1/edge/policy", json=good).status_code in (200, 201, 204)
    edge.get("/courses/1")
    wait_for("the published cache rule in force", lambda: edge.get("/courses/1").headers.get("X-Cache") == "HIT")

    # Weights for an instance this edge does not have: the edge refuses the version and keeps the old one.
    stranger = f"http://127.0.0.1:{free_port()}"
    impossible = {**good, "weights": {stranger: 100}}
    assert server.request("PUT", "/api/v1/edge/policy", json=impossible).status_code in (200, 201, 204)

    def refusal():
        for instance in server.get("/api/v1/edge/instances").json()["edges"]:
            if instance["edge"] == "edge-refuses" and instance["refused"]:
                return instance["refused"]
        return None

    refused = wait_for("the refusal in the edge's report", refusal, timeout=30)
    assert refused["version"] == 2 and stranger in refused["reason"], refused
    for i in range(10):
        r = edge.get(f"/courses/{i}")
        assert r.status_code == 200, r.text
    assert edge.get("/courses/1").headers.get("X-Cache") == "HIT"  # the old policy still applies

    # A policy the server itself cannot read never becomes a version: 400 naming the field.
    bad = server.request("PUT", "/api/v1/edge/policy", json={"routes": [{"match": "/a", "cache": {"ttl": "soon"}}]})
    assert bad.status_code == 400 and "ttl" in bad.json()["error"]["message"], bad.text


def test_telemetry_for_an_unreachable_server_is_buffered_within_a_bound_and_the_rest_counted(start_edge, tmp_path):
    """10,000 spans at most wait for the server; what does not fit is dropped and counted (admin GET /status).
    The upstream is dead too, so the edge answers 502 at once and the bound is passed in seconds."""
    listen, admin, dead_upstream, dead_server = distinct_free_ports(4)
    edge = start_edge(config_text=f"listen: 127.0.0.1:{listen}\nupstreams: [http://127.0.0.1:{dead_upstream}]\n"
                                  f"server: http://127.0.0.1:{dead_server}\nadmin_listen: 127.0.0.1:{admin}\n")
    answered = 0
    deadline = time.monotonic() + 90
    while answered <= 12_000 and time.monotonic() < deadline:
        out = tmp_path / f"load-{answered}.json"
        subprocess.run([str(perfwatch_binary()), "load", "--url", edge.url + "/courses/1", "--concurrency", "32",
                        "--duration", "5s", "--out", str(out)], capture_output=True, text=True, timeout=60)
        total = json.loads(out.read_text())["total"]
        kinds = total.get("errorsByKind", {})
        answered += total["count"] - sum(kinds.get(k, 0) for k in ("connect", "timeout", "network"))
    assert answered > 12_000, f"only {answered} answers in 90 s"
    time.sleep(1.5)
    telemetry = requests.get(f"http://127.0.0.1:{admin}/status", timeout=5).json()["telemetry"]
    assert telemetry["exported"] == 0 and telemetry["buffered"] <= 10_000, telemetry
    assert telemetry["buffered"] + telemetry["dropped"] == answered, (telemetry, answered)
    assert telemetry["dropped"] >= answered - 10_000, telemetry
    assert edge.proc.poll() is None

"""Connection hygiene (issue 13): every request gets an answer, and no client can hold a
connection, or all of them, for free.

Each test would have caught one of the reproduced bugs: CONNECT never answered, HEAD
answered 404, an over-limit body sent with `Connection: close` leaving its sender blocked,
trickled heads and bodies and idle connections held forever, and idle connections using up
every file descriptor. The servers here run with short limits from the `http:` section."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

SHORT_LIMITS = "http: {header_timeout: 2s, body_timeout: 3s, idle_timeout: 3s}\n"


def write_config(tmp_path, body: str):
    path = tmp_path / "perfwatch.yml"
    path.write_text(body)
    return path


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    from conftest import Server

    tmp = tmp_path_factory.mktemp("hygiene")
    server = Server(tmp / "data", config=write_config(tmp, SHORT_LIMITS))
    server.wait_ready()
    yield server
    server.stop()


def connect(srv, timeout: float = 5.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_until_closed(sock: socket.socket, limit_s: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes; and when it closed (seconds)."""
    started = time.monotonic()
    sock.settimeout(limit_s)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    return data, time.monotonic() - started


def status_of(data: bytes) -> int:
    assert data.startswith(b"HTTP/1."), f"no HTTP answer: {data[:200]!r}"
    return int(data.split(b" ", 2)[1])


def header(data: bytes, name: str) -> str | None:
    head = data.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


# -- methods ---------------------------------------------------------------------------


def test_connect_is_answered_at_once_and_closed(srv):
    with connect(srv) as sock:
        sock.sendall(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        data, elapsed = read_until_closed(sock, 2.0)
    assert elapsed < 2.0, f"CONNECT not answered and closed within 2 s: {data[:200]!r}"
    assert status_of(data) == 405
    assert "GET" in (header(data, "allow") or "")
    assert srv.get("/healthz").status_code == 200


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "FROBNICATE", "G\x01T"])
def test_unsupported_and_garbage_methods_are_answered_at_once(srv, method):
    with connect(srv) as sock:
        sock.sendall(f"{method} /healthz HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        data, elapsed = read_until_closed(sock, 2.0)
    assert elapsed < 2.0, f"{method!r} not answered within 2 s"
    status = status_of(data)
    # Methods NIO's parser knows are refused by name; tokens it cannot parse are a bad request.
    assert status in (400, 405), data[:300]
    if status == 405:
        assert header(data, "allow")
        assert method in data.split(b"\r\n\r\n", 1)[1].decode()
    assert srv.get("/healthz").status_code == 200


# -- HEAD ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/healthz", "/rum.js", "/", "/api/v1/metrics"])
def test_head_answers_like_get_without_a_body(srv, path):
    got = srv.http.get(srv.url + path, timeout=5)
    head = srv.http.head(srv.url + path, timeout=5)
    assert got.status_code == 200, got.text[:200]
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers.get("content-type") == got.headers.get("content-type")
    assert head.headers.get("content-length") == got.headers.get("content-length")


def test_head_on_a_keep_alive_connection_carries_no_body(srv):
    # If a body followed the HEAD answer, the next answer would start inside it.
    with connect(srv) as sock:
        sock.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data, _ = read_until_closed(sock, 5.0)
    first, rest = data.split(b"\r\n\r\n", 1)
    assert status_of(first) == 200
    assert rest.startswith(b"HTTP/1.1 200"), rest[:100]


def test_head_of_a_missing_path_is_404(srv):
    assert srv.http.head(srv.url + "/no/such/page", timeout=5).status_code == 404


# -- over-limit bodies -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/metrics", "/api/v1/rum", "/v1/traces", "/api/v1/write"])
@pytest.mark.parametrize("close", [True, False])
def test_over_limit_body_is_answered_413_and_closed_quickly(srv, path, close):
    body = b"x" * (20 * 1024 * 1024)
    headers = {"Content-Type": "application/json" if path != "/api/v1/rum" else "text/plain"}
    if path == "/api/v1/write":  # Prometheus remote write's headers (issue 19)
        headers = {"Content-Type": "application/x-protobuf", "Content-Encoding": "snappy"}
    if close:
        headers["Connection"] = "close"
    started = time.monotonic()
    r = requests.post(srv.url + path, data=body, headers=headers, timeout=10)
    elapsed = time.monotonic() - started
    assert r.status_code == 413, r.text[:200]
    assert elapsed < 5.0, f"413 took {elapsed:.1f} s"
    assert r.headers.get("connection") == "close"
    assert "limit" in r.json()["error"]["message"] if path != "/v1/traces" else True
    assert srv.get("/healthz").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/metrics", "/api/v1/alert-rules"])
def test_over_limit_chunked_body_is_answered_413_and_closed_quickly(srv, path):
    # No declared length: the limit is found while reading, then the rest is drained.
    def chunks():
        for _ in range(320):
            yield b"x" * 65536

    started = time.monotonic()
    r = requests.post(srv.url + path, data=chunks(), headers={"Content-Type": "application/json", "Connection": "close"}, timeout=10)
    elapsed = time.monotonic() - started
    assert r.status_code == 413, r.text[:200]
    assert elapsed < 5.0, f"413 took {elapsed:.1f} s"
    assert r.headers.get("connection") == "close"
    assert "limit" in r.json()["error"]["message"]


def test_a_client_that_keeps_sending_after_413_is_cut_off(srv):
    # Declares 200 MB and sends without reading: the server answers, lingers, then closes.
    with connect(srv, timeout=15) as sock:
        sock.sendall(b"POST /api/v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 209715200\r\n\r\n")
        started = time.monotonic()
        chunk = b"x" * 65536
        try:
            while time.monotonic() - started < 15:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        elapsed = time.monotonic() - started
    assert elapsed < 12, f"the server kept reading for {elapsed:.1f} s"


# -- timeouts --------------------------------------------------------------------------


def test_a_trickled_head_is_closed_at_the_header_timeout(srv):
    with connect(srv) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        closed_after = None
        for byte in b"X-Slow: " + b"a" * 100:
            try:
                sock.sendall(bytes([byte]))
                sock.settimeout(0.25)
                if sock.recv(1024) == b"":
                    closed_after = time.monotonic() - started
                    break
            except socket.timeout:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - started
                break
    assert closed_after is not None, "a head trickled for 25 s was never closed"
    assert 1.5 <= closed_after <= 4.5, f"closed after {closed_after:.1f} s; header timeout is 2 s"


def test_a_trickled_body_is_closed_at_the_body_timeout(srv):
    with connect(srv) as sock:
        sock.sendall(b"POST /api/v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        started = time.monotonic()
        closed_after = None
        for _ in range(100):
            try:
                sock.sendall(b" ")
                sock.settimeout(0.25)
                data = sock.recv(1024)
                if data == b"" or data.startswith(b"HTTP/1.1"):
                    closed_after = time.monotonic() - started
                    break
            except socket.timeout:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - started
                break
    assert closed_after is not None, "a body trickled for 25 s was never closed"
    assert 2.5 <= closed_after <= 5.5, f"closed after {closed_after:.1f} s; body timeout is 3 s"


def test_an_idle_connection_is_closed_at_the_idle_timeout_also_after_a_request(srv):
    with connect(srv) as sock:
        _, elapsed = read_until_closed(sock, 10.0)
    assert 2.5 <= elapsed <= 5.0, f"an idle connection closed after {elapsed:.1f} s; idle timeout is 3 s"
    with connect(srv) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        data, elapsed = read_until_closed(sock, 10.0)
    assert status_of(data) == 200
    assert 2.5 <= elapsed <= 5.0, f"a kept-alive connection closed after {elapsed:.1f} s"


def test_slowloris_does_not_stop_others_and_is_closed(srv):
    count = 320
    socks = []
    for _ in range(count):
        s = connect(srv)
        s.sendall(b"GET /healthz HTTP/1.1\r\n")
        socks.append(s)
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            for s in socks:
                try:
                    s.send(b"X")
                except OSError:
                    pass
            time.sleep(0.2)

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        latencies = []
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            started = time.monotonic()
            assert requests.get(srv.url + "/healthz", timeout=2).status_code == 200
            latencies.append(time.monotonic() - started)
        assert max(latencies) < 0.5, f"/healthz took up to {max(latencies):.2f} s under slowloris"
        time.sleep(2.0)  # past the 2 s header timeout from the first byte
        closed = 0
        for s in socks:
            s.settimeout(0.5)
            try:
                if s.recv(1024) == b"":
                    closed += 1
            except (ConnectionResetError, BrokenPipeError):
                closed += 1
            except socket.timeout:
                pass
        assert closed == count, f"only {closed} of {count} trickling connections were closed"
    finally:
        stop.set()
        trickler.join()
        for s in socks:
            s.close()


# -- connection cap --------------------------------------------------------------------


def test_beyond_the_connection_cap_the_refusal_is_clear_and_the_server_recovers(start_server, tmp_path):
    srv = start_server(config=write_config(tmp_path, "http: {max_connections: 20, idle_timeout: 60s}\n"), data_dir=tmp_path / "d")
    time.sleep(0.5)  # the readiness probes' connections close
    held = [connect(srv) for _ in range(20)]
    try:
        time.sleep(0.3)
        started = time.monotonic()
        with connect(srv) as extra:
            extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            data, _ = read_until_closed(extra, 3.0)
        assert time.monotonic() - started < 2.0
        assert status_of(data) == 503
        assert header(data, "retry-after") == "1"
        assert b"too many open connections" in data
        # An admitted connection still works.
        held[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        held[0].settimeout(3)
        assert held[0].recv(65536).startswith(b"HTTP/1.1 200")
    finally:
        for s in held:
            s.close()
    time.sleep(0.5)
    assert requests.get(srv.url + "/healthz", timeout=2).status_code == 200

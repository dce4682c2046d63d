"""Beacons are answered on the event loop (BeaconFastPath) unless `rum.fast_path: false`.

Both paths must give the same answers, keep HTTP/1.1's order when requests are pipelined
behind slower ones, and survive what browsers and attackers send: oversized bodies, gzip,
`Connection: close`."""

from __future__ import annotations

import gzip
import json
import socket

from test_rum import SITE, beacon, write_config

KEY_CONFIG = f"rum:\n  keys:\n    - key: pk_shop\n      origins: [\"{SITE}\"]\n"


def request_bytes(method: str, path: str, body: bytes = b"", headers: dict | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def beacon_request(body: dict | bytes, extra: dict | None = None) -> bytes:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "text/plain", "Origin": SITE}
    headers.update(extra or {})
    return request_bytes("POST", "/api/v1/rum", data, headers)


class Responses:
    """Reads HTTP/1.1 responses off one socket, in order (Content-Length framed)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def next(self) -> tuple[int, dict, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            assert self._fill(), f"connection closed before a response; have {self.buffer[:200]!r}"
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            assert self._fill(), "connection closed inside a body"
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def closed(self) -> bool:
        self.sock.settimeout(5)
        return self.buffer == b"" and not self._fill()


def connect(srv) -> socket.socket:
    return socket.create_connection(("127.0.0.1", srv.port), timeout=10)


def answers(srv) -> list:
    """The same inputs for either path: (status, body, CORS and Retry-After headers) each."""
    ok = beacon("pk_shop", "same1", vitals={"lcp": 1200, "cls": 0.01})
    cases = [
        beacon_request(ok),
        beacon_request(b'{"v":1,"key":'),
        beacon_request({"v": 1, "key": "pk_shop", "url": "/"}),
        beacon_request({"v": 2, "key": "pk_shop", "pv": "x", "url": "/"}),
        beacon_request(beacon("pk_nope", "same2")),
        beacon_request(beacon("pk_shop", "same3"), {"Origin": "https://evil.example"}),
        beacon_request(beacon("pk_shop", "same4"), {"Content-Type": "application/xml"}),
        beacon_request(beacon("pk_shop", "same5", vitals={"lcp": -1, "fcp": 700})),
        beacon_request(gzip.compress(json.dumps(beacon("pk_shop", "same6", vitals={"lcp": 900})).encode()),
                       {"Content-Encoding": "gzip"}),
        beacon_request(b"{}", {"Content-Encoding": "br"}),
        beacon_request(json.dumps(beacon("pk_shop", "same7", errors=[{"msg": "x" * 70_000}])).encode()),
    ]
    out = []
    with connect(srv) as sock:
        responses = Responses(sock)
        for case in cases:
            sock.sendall(case)
            status, headers, body = responses.next()
            out.append((status, json.loads(body), headers.get("access-control-allow-origin"),
                        headers.get("access-control-allow-credentials"), headers.get("retry-after")))
    return out


def test_both_beacon_paths_answer_alike_and_store_alike(start_server, tmp_path):
    fast = start_server(config=write_config(tmp_path, KEY_CONFIG), data_dir=tmp_path / "fast")
    slow_cfg = tmp_path / "slow.yml"
    slow_cfg.write_text(KEY_CONFIG + "  fast_path: false\n")
    slow = start_server(config=slow_cfg, data_dir=tmp_path / "slow")
    got_fast, got_slow = answers(fast), answers(slow)
    assert got_fast == got_slow
    statuses = [answer[0] for answer in got_fast]
    assert statuses == [202, 400, 400, 400, 403, 403, 415, 202, 202, 415, 413], statuses
    assert got_fast[0][2] == SITE and got_fast[0][3] == "true"
    assert got_fast[4][2] is None and got_fast[5][2] is None
    assert got_fast[7][1] == {"accepted": True, "dropped": ["lcp"]}
    for srv in (fast, slow):
        views = srv.query("rum.page_views", "sum", from_="-10m", to="now").json()["series"]
        assert views[0]["points"][0][1] == 3  # same1, same5, same6
        lcp = srv.query("rum.lcp", "count", from_="-10m", to="now").json()["series"]
        assert lcp[0]["points"][0][1] == 2
        assert srv.get("/healthz").status_code == 200


def test_pipelined_requests_are_answered_in_order(start_server, tmp_path):
    srv = start_server(config=write_config(tmp_path, KEY_CONFIG), data_dir=tmp_path / "d")
    # A slow read first: the beacon behind it must not overtake it; then beacons back to back
    # with reads between them, all in one write.
    wire = (
        request_bytes("GET", "/api/v1/vitals?from=-1h&to=now")
        + beacon_request(beacon("pk_shop", "p1", vitals={"lcp": 1000}))
        + request_bytes("GET", "/api/v1/rum/setup")
        + beacon_request(beacon("pk_shop", "p2", vitals={"lcp": 2000}))
        + beacon_request(beacon("pk_nope", "p3"))
        + request_bytes("GET", "/healthz")
    )
    with connect(srv) as sock:
        sock.sendall(wire)
        responses = Responses(sock)
        got = [responses.next() for _ in range(6)]
    statuses = [status for status, _, _ in got]
    assert statuses == [200, 202, 200, 202, 403, 200], statuses
    assert "pages" in json.loads(got[0][2]) or "from" in json.loads(got[0][2])
    assert json.loads(got[1][2]) == {"accepted": True, "dropped": []}
    assert json.loads(got[2][2])["key"] == "pk_shop"
    assert json.loads(got[5][2]) == {"status": "ok"}
    views = srv.query("rum.page_views", "sum", from_="-10m", to="now").json()["series"]
    assert views[0]["points"][0][1] == 2


def test_connection_close_and_an_oversized_body_keep_the_server_serving(start_server, tmp_path):
    srv = start_server(config=write_config(tmp_path, KEY_CONFIG), data_dir=tmp_path / "d")
    with connect(srv) as sock:
        responses = Responses(sock)
        # 413, then the same connection carries on.
        sock.sendall(beacon_request(b"x" * 200_000))
        status, _, body = responses.next()
        assert status == 413 and "larger than the limit" in json.loads(body)["error"]["message"]
        sock.sendall(beacon_request(beacon("pk_shop", "c1", vitals={"lcp": 1500})))
        assert responses.next()[0] == 202
        # A beacon asking to close: answered, then closed by the server.
        sock.sendall(beacon_request(beacon("pk_shop", "c2", vitals={"lcp": 1600}), {"Connection": "close"}))
        status, headers, _ = responses.next()
        assert status == 202 and headers.get("connection") == "close"
        assert responses.closed()
    assert srv.get("/healthz").status_code == 200
    lcp = srv.query("rum.lcp", "count", from_="-10m", to="now").json()["series"]
    assert lcp[0]["points"][0][1] == 2

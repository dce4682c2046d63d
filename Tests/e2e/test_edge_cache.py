"""The edge's shared cache (RFC 9111) and compression, observed from outside with a local policy in edge.yml.

Each cache case is its own target on the sample app (`/cache/<case>?…`, whose query sets the upstream's
response headers); the app's body says how many times the upstream answered that target (`served`), so a case
sees whether an answer came from the cache. Depends on the CACHE helper's ResponseCache / ResponseCompression
and the PROXY helper's wiring (X-Cache, Age, the local policy in edge.yml).
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from urllib.parse import quote

import pytest
import requests

from edge_harness import brotli_decompress

# The local policy (top-level keys of edge.yml). First match wins: `/cache/forced*` overrides the upstream's
# headers, `/cache/*` follows them, with a 60 s TTL when the upstream gives no freshness; statics are compressed
# (they are > 10 kB text).
POLICY = """compression:
  algorithms: [br, gzip]
  min_bytes: 1024
routes:
  - match: /cache/forced*
    cache: {ttl: 60s, override: true}
  - match: /cache/cookies*
    cache: {ttl: 60s, ignore_cookies: true}
  - match: /cache/*
    cache: {ttl: 60s}
"""


@pytest.fixture
def cached_edge(start_apps, start_edge):
    [app] = start_apps(1, delay_ms=0)
    return start_edge(config_text=f"upstreams:\n  - {app.url}\n" + POLICY), app


def target(case: str, **headers: str) -> str:
    query = "&".join(f"{name}={quote(value)}" for name, value in headers.items())
    return f"/cache/{case}" + (f"?{query}" if query else "")


def fetch(edge, path: str, **headers: str) -> tuple[str, int, requests.Response]:
    r = edge.http.get(edge.url + path, headers=headers, timeout=10)
    assert r.status_code == 200, (path, r.status_code, r.text)
    return r.headers.get("X-Cache", ""), r.json()["served"], r


# (case, upstream headers, request headers, X-Cache of the 2nd request, upstream answers after two requests)
TABLE = [
    ("plain", {}, {}, "HIT", 1),
    ("max-age", {"cc": "max-age=60"}, {}, "HIT", 1),
    ("public", {"cc": "public, max-age=60"}, {}, "HIT", 1),
    ("s-maxage-zero", {"cc": "max-age=600, s-maxage=0"}, {}, None, 2),
    ("private", {"cc": "private, max-age=60"}, {}, None, 2),
    ("no-store", {"cc": "no-store"}, {}, None, 2),
    ("set-cookie", {"cc": "max-age=60", "set_cookie": "session=abc"}, {}, None, 2),
    ("authorization", {"cc": "max-age=60"}, {"Authorization": "Bearer secret"}, None, 2),
    ("request-cookie", {"cc": "max-age=60"}, {"Cookie": "session=abc"}, None, 2),
    ("cookies-ignored", {"cc": "max-age=60"}, {"Cookie": "session=abc"}, "HIT", 1),
    ("forced", {"cc": "no-cache"}, {}, "HIT", 1),
    ("forced-max-age", {"cc": "max-age=0"}, {}, "HIT", 1),
    ("forced-private", {"cc": "private"}, {}, None, 2),  # override never stores what is private or no-store
    ("forced-no-store", {"cc": "no-store"}, {}, None, 2),
    ("expires-past", {"expires": "Thu, 01 Jan 1970 00:00:00 GMT"}, {}, None, 2),
]


@pytest.mark.parametrize("case, upstream, request_headers, second, served", TABLE, ids=[row[0] for row in TABLE])
def test_cache_table(cached_edge, case, upstream, request_headers, second, served):
    edge, _ = cached_edge
    if case == "cookies-ignored":
        case = "cookies"  # matches `/cache/cookies*` (ignore_cookies)
    path = target(case, **upstream)
    first_outcome, _, _ = fetch(edge, path, **request_headers)
    assert first_outcome in ("MISS", "BYPASS"), first_outcome
    second_outcome, second_served, r = fetch(edge, path, **request_headers)
    if second is None:
        assert second_outcome != "HIT", (case, r.headers)
    else:
        assert second_outcome == second, (case, r.headers)
        assert int(r.headers["Age"]) >= 0
    assert second_served == served, (case, second_served)


def test_max_age_and_s_maxage_expire(cached_edge):
    edge, _ = cached_edge
    for path in (target("short", cc="max-age=1"), target("shared-short", cc="max-age=600, s-maxage=1")):
        assert fetch(edge, path)[:2] == ("MISS", 1)
        assert fetch(edge, path)[:2] == ("HIT", 1)
        time.sleep(1.3)
        outcome, served, _ = fetch(edge, path)
        assert outcome != "HIT" and served == 2, (path, outcome, served)


def test_vary_keeps_one_entry_per_header_value(cached_edge):
    edge, _ = cached_edge
    path = target("vary", cc="max-age=60", vary="Accept-Language")
    assert fetch(edge, path, **{"Accept-Language": "fr"})[:2] == ("MISS", 1)
    outcome, served, r = fetch(edge, path, **{"Accept-Language": "fr"})
    assert (outcome, served, r.json()["vary"]) == ("HIT", 1, "fr")
    outcome, served, r = fetch(edge, path, **{"Accept-Language": "de"})
    assert (outcome, served, r.json()["vary"]) == ("MISS", 2, "de")
    assert "accept-language" in r.headers.get("Vary", "").lower()


@pytest.mark.parametrize("validator", [{"etag": '"v1"'}, {"last_modified": "Wed, 21 Oct 2026 07:28:00 GMT"}])
def test_expired_entries_are_revalidated_with_a_conditional_request(cached_edge, validator):
    edge, app = cached_edge
    path = target("revalidate-" + next(iter(validator)), cc="max-age=1", **validator)
    _, _, first = fetch(edge, path)
    assert fetch(edge, path)[0] == "HIT"
    time.sleep(1.3)
    outcome, _, again = fetch(edge, path)
    # The upstream answered 304 (counted by the app) and the stored body was served again.
    assert outcome == "REVALIDATED", again.headers
    assert again.content == first.content
    assert app.served(path) == 2


def test_concurrent_misses_are_coalesced_into_one_upstream_fetch(start_apps, start_edge):
    [app] = start_apps(1, delay_ms=500)
    edge = start_edge(config_text=f"upstreams:\n  - {app.url}\n" + POLICY)
    path = target("coalesced", cc="max-age=60")
    outcomes: list[str] = []

    def one() -> None:
        r = requests.get(edge.url + path, timeout=10)
        outcomes.append(r.headers.get("X-Cache", "") if r.status_code == 200 else str(r.status_code))

    threads = [threading.Thread(target=one) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 10 and "502" not in outcomes and "504" not in outcomes, outcomes
    assert app.served(path) == 1


def test_stale_answers_while_the_upstream_is_down_and_while_revalidating(start_apps, start_edge):
    slow_refresh, down = start_apps(2, delay_ms=0)
    edge = start_edge(config_text=f"upstreams:\n  - {down.url}\n" + POLICY)
    if_error = target("stale-if-error", cc="max-age=1, stale-if-error=60")
    _, _, first = fetch(edge, if_error)
    down.kill()
    time.sleep(1.3)
    outcome, _, stale = fetch(edge, if_error)
    assert outcome == "STALE" and stale.content == first.content, stale.headers
    assert int(stale.headers["Age"]) >= 1

    edge2 = start_edge(config_text=f"upstreams:\n  - {slow_refresh.url}\n" + POLICY)
    while_revalidating = target("swr", cc="max-age=1, stale-while-revalidate=30")
    fetch(edge2, while_revalidating)
    time.sleep(1.3)
    outcome, served, _ = fetch(edge2, while_revalidating)
    assert (outcome, served) == ("STALE", 1)
    # The refresh runs in the background: soon a fresh copy (served by the upstream twice) is a HIT.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and slow_refresh.served(while_revalidating) < 2:
        time.sleep(0.1)
    assert slow_refresh.served(while_revalidating) == 2
    assert fetch(edge2, while_revalidating)[:2] == ("HIT", 2)


def test_other_methods_are_not_cached(cached_edge):
    edge, app = cached_edge
    path = target("posted", cc="max-age=60")
    for _ in range(2):
        r = edge.request("POST", path, data=b"{}")
        assert r.status_code == 200 and r.headers.get("X-Cache", "") != "HIT"
    assert app.served(path) == 2


def raw_get(edge, path: str, accept_encoding: str | None) -> requests.Response:
    headers = {"Accept-Encoding": accept_encoding if accept_encoding is not None else "identity"}
    r = requests.get(edge.url + path, headers=headers, stream=True, timeout=10)
    r.raw_bytes = r.raw.read(decode_content=False)
    return r


@pytest.mark.parametrize("path", ["/static/app.js", "/static/styles.css"])
def test_compression_by_accept_encoding(cached_edge, path):
    edge, app = cached_edge
    original = requests.get(app.url + path, timeout=10).content
    assert len(original) > 10_000

    br = raw_get(edge, path, "gzip, deflate, br")
    assert br.status_code == 200 and br.headers.get("Content-Encoding") == "br", br.headers
    assert "accept-encoding" in br.headers.get("Vary", "").lower()
    assert brotli_decompress(br.raw_bytes) == original
    assert len(br.raw_bytes) < len(original) / 3
    if "Content-Length" in br.headers:
        assert int(br.headers["Content-Length"]) == len(br.raw_bytes)
    assert br.headers.get("ETag", "W/").startswith("W/")

    gz = raw_get(edge, path, "gzip")
    assert gz.headers.get("Content-Encoding") == "gzip" and gzip.decompress(gz.raw_bytes) == original

    plain = raw_get(edge, path, None)
    assert "Content-Encoding" not in plain.headers and plain.raw_bytes == original


def test_small_or_already_compressed_bodies_are_left_alone(cached_edge):
    edge, _ = cached_edge
    small = raw_get(edge, "/courses/1", "br, gzip")  # 743 bytes < min_bytes
    assert "Content-Encoding" not in small.headers and len(small.raw_bytes) < 1024


def test_connection_close_is_honoured_on_every_path(cached_edge):
    """A client's `Connection: close`: the edge says so and closes after the answer, on the buffered path, a miss
    and a hit alike (the reader below returns only when the edge closes; pass-through: test_edge_proxy)."""
    edge, _ = cached_edge
    port = int(edge.url.rsplit(":", 1)[1])

    def once(path: str) -> str:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        return data.split(b"\r\n\r\n")[0].decode().lower()

    compressed = once("/courses/1")  # compression is on: the buffered path, without a cache rule
    assert compressed.startswith("http/1.1 200") and "connection: close" in compressed, compressed
    missed = once("/cache/closing")
    assert missed.startswith("http/1.1 200") and "x-cache: miss" in missed and "connection: close" in missed, missed
    hit = once("/cache/closing")
    assert hit.startswith("http/1.1 200") and "x-cache: hit" in hit and "connection: close" in hit, hit

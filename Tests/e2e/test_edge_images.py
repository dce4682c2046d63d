"""Issue 17's image loop, end to end: a gallery page of JPEG and PNG images behind `perfwatch edge`, loaded by
headless Chromium (with the RUM snippet) and driven by `perfwatch load`; the edge samples the images it passes on
untouched (one in five transcoded to AVIF on the side, `perfwatch.edge.avif_bytes`), the analysis recommends one
`edge_images` change for the edge service (`images: [{match: /img/*, formats: [avif, webp], …}]`), applying it makes
the edge serve AVIF, the page's transferred image bytes fall by more than half with every image still shown, and
validation over the traffic after the change judges it `improved` on bytes per response.

Chromium's HTTP cache is cleared before every load (a first visit: every image fetched; not DevTools' "disable
cache", which sends `Cache-Control: no-cache` like a reload) and its network is throttled (20 Mbit/s, 20 ms): on
loopback bytes cost nothing, so LCP would compare decode times (AVIF decodes slower than JPEG) rather than what users
wait for.

A second test: a reload (`Cache-Control: no-cache`) revalidates a cached variant and must keep its headers.

Depends on the Swift side of issue 17 (edge sampling, `edge.image_sample*` derivations, the `edge_images` analyzer,
its optimization and validation) and on the issue-16 loop (apply → edge policy, FAST_LOOP_CONFIG's fast validation).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from urllib.parse import urlencode

import requests

import rum_browser
from conftest import free_port, perfwatch_binary
from edge_app import GALLERY
from edge_harness import wait_for
from test_edge_loop import FAST_LOOP_CONFIG, analyse, optimization

# What Chromium sends for <img> (used until the first load tells us the real one).
CHROME_IMAGE_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
LOADS = 3  # Chromium page loads before and after the change
# Throttling for the Chromium loads (CDP Network.emulateNetworkConditions): bytes per second, ms.
NETWORK = {"offline": False, "latency": 20, "downloadThroughput": 2_500_000, "uploadThroughput": 1_000_000}
PHOTO_WIDTH, ALPHA_WIDTH, ROTATED_WIDTH = 1600, 640, 300  # rotated.jpg: 400x300 stored, 300x400 upright


def expected_width(name: str, w: int) -> int:
    """What the image rule should send for `?w=w`: fitted inside w, never enlarged."""
    own = {"photo.jpg": PHOTO_WIDTH, "alpha.png": ALPHA_WIDTH, "rotated.jpg": ROTATED_WIDTH}[name]
    return min(w, own)


# -- Chromium -----------------------------------------------------------------------------------------------


def make_driver():
    """rum_browser's headless Chromium, plus the performance log (the Network events: what was served)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = rum_browser.CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(rum_browser.CHROMEDRIVER), options=options)
    # No Network.setCacheDisabled: with it Chromium sends `Cache-Control: no-cache` (a reload), which makes the edge
    # revalidate every image. A first visit is an empty cache: load_gallery clears it before each load.
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", NETWORK)
    return driver


def network_events(driver) -> list[dict]:
    """Network.* events of the performance log since the last call (chromedriver clears it on read)."""
    events = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method", "").startswith("Network."):
            events.append(message)
    return events


LCP_SCRIPT = """
const done = arguments[arguments.length - 1];
let last = null;
new PerformanceObserver((list) => { const e = list.getEntries(); last = e[e.length - 1]; })
  .observe({type: 'largest-contentful-paint', buffered: true});
setTimeout(() => done(last && {time: last.startTime, url: last.url, size: last.size}), 700);
"""

PAGE_SCRIPT = """
return {
  images: Array.from(document.images).map((i) => ({
    src: new URL(i.getAttribute('src'), location.href).pathname + new URL(i.getAttribute('src'), location.href).search,
    complete: i.complete, naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight})),
  resources: performance.getEntriesByType('resource')
    .filter((e) => new URL(e.name).pathname.startsWith('/img/'))
    .map((e) => ({url: new URL(e.name).pathname + new URL(e.name).search, transferSize: e.transferSize,
                  encodedBodySize: e.encodedBodySize})),
};
"""


def load_gallery(driver, page_url: str) -> dict:
    """One page load with a fresh cache. Returns the page's transferred image bytes (resource timing: transferSize,
    or encodedBodySize when that is 0), each <img> as the page has it, each image response as the browser received
    it (status, content type, Vary), the Accept Chromium sent for images and the page's own LCP. Leaves the page
    (about:blank) so the RUM snippet sends its page view."""
    network_events(driver)  # drop what came before
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.get(page_url)  # returns after the load event: every <img> has loaded or failed
    rum_browser.wait_until(lambda: driver.execute_script("return !!(window.perfwatch && window.perfwatch.journey)"),
                           what="rum.js to load on the gallery")
    page = driver.execute_script(PAGE_SCRIPT)
    lcp = driver.execute_async_script(LCP_SCRIPT)
    driver.get("about:blank")  # pagehide: the snippet beacons the page view (vitals, resources)
    time.sleep(0.3)

    responses, accept, image_requests = {}, None, set()
    events = network_events(driver)
    for event in events:  # the headers as sent (Accept among them) come in the ExtraInfo event
        params = event["params"]
        if event["method"] == "Network.requestWillBeSent" and "/img/" in params["request"]["url"]:
            image_requests.add(params["requestId"])
    for event in events:
        params = event["params"]
        if event["method"] == "Network.requestWillBeSentExtraInfo" and params["requestId"] in image_requests:
            accept = accept or {k.lower(): v for k, v in params["headers"].items()}.get("accept")
        if event["method"] == "Network.responseReceived" and "/img/" in params["response"]["url"]:
            response = params["response"]
            headers = {k.lower(): v for k, v in response["headers"].items()}
            target = re.sub(r"^https?://[^/]+", "", response["url"])
            responses[target] = {"status": response["status"], "mime": response["mimeType"],
                                 "content_type": headers.get("content-type", ""), "vary": headers.get("vary", ""),
                                 "from_cache": response.get("fromDiskCache") or response.get("fromPrefetchCache")}
    image_bytes = sum(r["transferSize"] or r["encodedBodySize"] for r in page["resources"])
    return {"bytes": image_bytes, "images": page["images"], "resources": page["resources"], "responses": responses,
            "accept": accept, "lcp": lcp}


def gallery_targets() -> list[str]:
    return [f"/img/{name}?w={w}" for name, w, _, _ in GALLERY]


def check_load(load: dict) -> None:
    """Every gallery image fetched over the network (not from a cache) and shown."""
    targets = gallery_targets()
    assert sorted(i["src"] for i in load["images"]) == sorted(targets), load["images"]
    assert all(i["complete"] and i["naturalWidth"] > 0 for i in load["images"]), f"an image is not shown: {load['images']}"
    assert sorted(r["url"] for r in load["resources"]) == sorted(targets), load["resources"]
    assert all(r["transferSize"] > r["encodedBodySize"] > 0 for r in load["resources"]), load["resources"]  # not cached
    assert set(load["responses"]) == set(targets), load["responses"]
    assert all(r["status"] == 200 and not r["from_cache"] for r in load["responses"].values()), load["responses"]


def page_views(server) -> int:
    r = server.get("/api/v1/vitals", from_="-15m", to="now", page="/gallery.html")
    assert r.status_code == 200, r.text
    return sum(row["samples"] for row in r.json()["pages"] if row["page"] == "/gallery.html")


def served_types(edge, accept: str) -> dict[str, str]:
    """The Content-Type of each gallery image fetched through the edge with Chromium's Accept."""
    types = {}
    for target in gallery_targets():
        r = edge.get(target, headers={"Accept": accept})
        assert r.status_code == 200, (target, r.status_code, r.text[:200])
        types[target] = r.headers.get("Content-Type", "")
    return types


# -- perfwatch load -----------------------------------------------------------------------------------------


def drive_images(tmp_path, edge_url: str, page_path: str, accept: str, seconds: int, rate: int = 1) -> dict:
    """`perfwatch load` at `rate` gallery visits a second: the page, then its images with Chromium's Accept. One
    visit is 6 images (~0.5 MB before the change); the edge samples 1 in 5 of them (AVIF at 1600 px: ~0.3 s of CPU)."""
    steps = [f"get: {{url: '{page_path}', name: gallery}}"]
    steps += [f"get: {{url: '{target}', headers: {{Accept: '{accept}'}}, name: '{target}'}}" for target in gallery_targets()]
    scenario = tmp_path / f"images-{time.monotonic_ns()}.yml"
    scenario.write_text(
        "config:\n"
        "  name: edge-images\n"
        f"  target: {edge_url}\n"
        "  phases:\n"
        f"    - {{duration: {seconds}s, arrivalRate: {rate}}}\n"
        "  connections: 8\n"
        "scenarios:\n"
        "  - name: gallery\n"
        "    flow:\n" + "".join(f"      - {step}\n" for step in steps)
    )
    out = tmp_path / f"images-report-{time.monotonic_ns()}.json"
    result = subprocess.run([str(perfwatch_binary()), "load", str(scenario), "--out", str(out)],
                            capture_output=True, text=True, timeout=seconds + 120)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out.read_text())
    assert report["total"]["errors"] == 0, report["total"]
    return report


# -- the test -----------------------------------------------------------------------------------------------


def test_images_recommended_applied_and_validated(start_server, start_apps, start_edge, tmp_path):
    started = time.monotonic()
    config = tmp_path / "perfwatch.yml"
    config.write_text(FAST_LOOP_CONFIG)
    server = start_server(config=config, data_dir=tmp_path / "data")
    key = server.get("/api/v1/rum/setup").json()["key"]
    [app] = start_apps(1, delay_ms=0)
    edge = start_edge([app.url], server=server.url, name="edge-1", service="edge")
    page_path = "/gallery.html?" + urlencode({"perfwatch": server.url, "key": key})
    page_url = edge.url + page_path

    driver = make_driver()
    try:
        # 1. Before: the edge passes the JPEGs and PNGs on as they are, and samples them. A first load without
        # the snippet warms Chromium up (a cold browser's first LCP is ~100 ms later than the next ones).
        driver.get(edge.url + "/gallery.html")
        driver.get("about:blank")
        first_view = time.time()
        before = [load_gallery(driver, page_url) for _ in range(LOADS)]
        for load in before:
            check_load(load)
            assert {r["content_type"] for r in load["responses"].values()} == {"image/jpeg", "image/png"}, load["responses"]
        accept = before[0]["accept"] or CHROME_IMAGE_ACCEPT
        assert "image/avif" in accept, f"Chromium's Accept for images: {accept!r}"
        assert set(served_types(edge, accept).values()) == {"image/jpeg", "image/png"}
        before_bytes = max(load["bytes"] for load in before)
        assert before_bytes > 400_000, [load["bytes"] for load in before]  # 3 photos of 100 kB, 2 PNGs of 97 kB, …
        wait_for("the page views before in RUM", lambda: page_views(server) >= LOADS, timeout=15)
        drive_images(tmp_path, edge.url, page_path, accept, seconds=15)
        time.sleep(2)  # the last spans (and the last samples' spans) exported, every 1 s
        analyse(server, window="5m")

        # 2. One recommendation for the edge service, with the image rule to apply.
        issues = server.get("/api/v1/issues", status="open").json()["issues"]
        found = [i for i in issues if i["type"] == "edge_images"]
        assert len(found) == 1, [(i["type"], i["service"], i["route"], i["title"]) for i in issues]
        issue = found[0]
        evidence = issue["evidence"]
        print(f"edge_images issue: {issue['title']!r}; evidence {evidence}")
        assert issue["service"] == "edge" and issue["route"] == "", issue
        assert "AVIF" in issue["title"] and re.search(r"\d+\s?%", issue["title"]), issue["title"]
        assert evidence["match"] == "/img/*", evidence
        assert set(evidence["contentTypes"]) == {"image/jpeg", "image/png"}, evidence
        assert evidence["routes"] and all(route.startswith("/img/") for route in evidence["routes"]), evidence
        assert evidence["imageBytes"] >= 1 << 20 and 0 < evidence["sampledBytes"] <= evidence["imageBytes"], evidence
        saving = evidence["avifSaving"] / (100 if evidence["avifSaving"] > 1 else 1)  # a fraction or a percentage
        assert 0.5 < saving < 1, evidence  # ~76 % on photo.jpg at 1600 px, ~99 % on alpha.png
        assert 0 < evidence["expectedBytesSaved"] < evidence["imageBytes"], evidence
        # RUM page views exist: the p75 of image bytes per page view, about what the page itself measured.
        assert 0.8 * before_bytes < evidence["pageImageBytesP75"] < 1.2 * before_bytes, (evidence, before_bytes)
        rule = evidence["policy_change"]["images"][0]
        assert len(evidence["policy_change"]["images"]) == 1, evidence["policy_change"]
        assert rule["match"] == "/img/*" and rule["formats"] == ["avif", "webp"], rule
        assert rule["widths"] == [640, 1280, 1920], rule

        proposed = [o for o in server.get("/api/v1/optimizations").json()["optimizations"] if o["type"] == "edge_images"]
        assert len(proposed) == 1 and proposed[0]["status"] == "proposed", proposed
        assert proposed[0]["policy_change"]["images"][0]["match"] == "/img/*", proposed
        oid = proposed[0]["id"]

        # 3. Apply: the edge picks the rule up within seconds.
        r = server.post(f"/api/v1/optimizations/{oid}/apply")
        assert r.status_code == 200, r.text
        wait_for("image/avif for Accept: image/avif on /img/photo.jpg?w=640",
                 lambda: edge.get("/img/photo.jpg?w=640", headers={"Accept": "image/avif"})
                 .headers.get("Content-Type") == "image/avif", timeout=20)
        applied_at = wait_for("appliedAt", lambda: optimization(server, oid)["appliedAt"], timeout=20)

        # 4. After: every gallery image is AVIF through the edge (this also makes each variant once, so the
        # page loads below see the cached variants a user sees, not the first transcode), and the page's
        # transferred image bytes fall by more than half with every image still shown, at the width asked for.
        types = served_types(edge, accept)
        assert set(types.values()) == {"image/avif"}, types
        # Validation reads its windows in the stored metrics' 10 s buckets (docs/analysis.md: the windows meet at
        # bucket granularity), and the bucket holding appliedAt counts on the before side: the page views after
        # start in the next bucket, or the before figures would hold them.
        time.sleep(max(0.0, (applied_at // 10_000 + 1) * 10 - time.time()) + 0.2)
        after = [load_gallery(driver, page_url) for _ in range(LOADS)]
        for load in after:
            check_load(load)
            responses = load["responses"]
            assert {r["content_type"] for r in responses.values()} == {"image/avif"}, responses
            assert all("accept" in r["vary"].lower() for r in responses.values()), responses
            widths = {i["src"]: i["naturalWidth"] for i in load["images"]}
            assert widths == {f"/img/{n}?w={w}": expected_width(n, w) for n, w, _, _ in GALLERY}, widths
        after_bytes = max(load["bytes"] for load in after)
        assert after_bytes < 0.5 * before_bytes, (before_bytes, after_bytes)
        wait_for("the page views after in RUM", lambda: page_views(server) >= 2 * LOADS, timeout=15)
    finally:
        driver.quit()

    # 5. More traffic after appliedAt, then validation over a window that lies after it (FAST_LOOP_CONFIG:
    # 30 s and 50 requests after the change at least), and long enough that the window before appliedAt (as long)
    # holds the page views of step 1 too.
    since_applied = time.time() - applied_at / 1000
    after_seconds = max(45, applied_at / 1000 - first_view + 8)
    drive_images(tmp_path, edge.url, page_path, accept, seconds=max(15, int(after_seconds - since_applied)))
    time.sleep(2)
    window = int(time.time() - applied_at / 1000) - 2
    assert window >= 30, window
    analyse(server, window=f"{window}s")
    judged = optimization(server, oid)
    impact = judged["impact"]
    before_lcp = [load["lcp"]["time"] for load in before if load["lcp"]]
    after_lcp = [load["lcp"]["time"] for load in after if load["lcp"]]
    print(f"page image bytes {before_bytes} -> {after_bytes}; page LCP {before_lcp} -> {after_lcp}; "
          f"appliedAt {applied_at}; impact {impact}; {time.monotonic() - started:.0f} s")
    assert judged["status"] == "validated" and impact["verdict"] == "improved", judged
    assert impact["bytes_per_response_after"] < 0.5 * impact["bytes_per_response_before"], impact
    # RUM page views on both sides: each side's figures are its own page views' (the same page, loaded the same
    # way LOADS times each side: every before view weighed before_bytes, every after view after_bytes).
    assert abs(impact["image_bytes_per_page_before"] - before_bytes) <= 0.1 * before_bytes, (impact, before_bytes)
    assert abs(impact["image_bytes_per_page_after"] - after_bytes) <= 0.1 * after_bytes, (impact, after_bytes)
    assert 0.9 * min(before_lcp) <= impact["lcp_p75_before"] <= 1.1 * max(before_lcp), (impact, before_lcp)
    assert 0.9 * min(after_lcp) <= impact["lcp_p75_after"] <= 1.1 * max(after_lcp), (impact, after_lcp)
    # Improved resolves the issue; the images are AVIF now, so nothing is found again.
    open_now = server.get("/api/v1/issues", status="open").json()["issues"]
    assert not [i for i in open_now if i["type"] == "edge_images"], open_now

def test_a_reload_revalidates_the_variant_and_keeps_its_headers(start_apps, start_edge):
    """A browser reload (`Cache-Control: no-cache`) makes the edge revalidate the cached variant with the upstream;
    the upstream's 304 (ETag and Cache-Control only, RFC 9110 15.4.5) confirms the original, so the stored AVIF is
    served again as it was: `image/avif`, its weak ETag, `Vary: Accept`, no new transcode (docs/images.md: a
    variant's ETag is weak, the bytes differ from the original's)."""
    [app] = start_apps(1, delay_ms=0)
    admin = free_port()
    edge = start_edge([app.url], config_text=f"admin_listen: 127.0.0.1:{admin}\n"
                      'images: [{match: "/img/*", formats: [avif, webp], widths: [640, 1280, 1920]}]\n')
    status = lambda: requests.get(f"http://127.0.0.1:{admin}/status", timeout=5).json()["images"]  # noqa: E731
    target = "/img/photo.jpg?w=640"
    first = edge.get(target, headers={"Accept": CHROME_IMAGE_ACCEPT})
    assert first.headers["Content-Type"] == "image/avif" and first.headers.get("X-Cache") == "MISS", first.headers
    etag = first.headers["ETag"]
    assert etag.startswith('W/"'), first.headers
    assert edge.get(target, headers={"Accept": CHROME_IMAGE_ACCEPT}).headers.get("X-Cache") == "HIT"
    transcoded = status()["transcoded"]

    reload = edge.get(target, headers={"Accept": CHROME_IMAGE_ACCEPT, "Cache-Control": "no-cache", "Pragma": "no-cache"})
    assert reload.status_code == 200 and reload.headers.get("X-Cache") == "REVALIDATED", reload.headers
    assert app.served(target) == 2, app.stats()  # the fill, then the conditional request (answered 304)
    assert reload.content == first.content, (len(reload.content), len(first.content))
    assert (reload.headers["Content-Type"], reload.headers["ETag"]) == ("image/avif", etag), reload.headers
    assert "accept" in reload.headers.get("Vary", "").lower(), reload.headers
    assert status()["transcoded"] == transcoded, status()
    after = edge.get(target, headers={"Accept": CHROME_IMAGE_ACCEPT})
    assert (after.headers.get("X-Cache"), after.headers["Content-Type"], after.headers["ETag"]) == ("HIT", "image/avif", etag)
    conditional = edge.get(target, headers={"Accept": CHROME_IMAGE_ACCEPT, "If-None-Match": etag})
    assert conditional.status_code == 304, conditional.headers

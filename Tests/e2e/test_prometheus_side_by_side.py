"""Side by side with real Prometheus 2.42 (issue 19): the same data in both, the same queries, the same answers.

The data (prom_dataset.py, seeded) covers the last three hours before the test: it goes into a private
Prometheus through `promtool tsdb create-blocks-from openmetrics` before the server starts, and into Perfwatch
through its `POST /api/v1/import/prometheus`. Both must then list the same series. Every query of
promql_corpus.py runs as an instant query (inside the gauge's gap, so the lookback matters) and as a range
query (POST form, as Grafana sends it) on both; the answers must agree: same result type, same label sets,
same timestamps, values within 1e-9 relative (NaN equals NaN), or the same error type where Prometheus
refuses the query. A summary `n agreed / n` is printed at the end.

Grafana's request sequence for a Prometheus data source (health check, buildinfo, query_range, labels, label
values with `match[]`, the series fallback) is replayed against both and the answers' shapes compared.

`PROMSIDE_AGAINST=victoria-metrics` puts VictoriaMetrics where Perfwatch stands: a check of the harness itself
against a second real implementation (VictoriaMetrics' PromQL dialect differs in places, so some queries differ).
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter

import pytest

import prom_dataset
import prom_peers
from promql_corpus import CORPUS, Query

WINDOW_MS = 3 * 3600 * 1000
STEP_S = 60
REL = 1e-9
RESULTS: dict[str, str] = {}  # form + expr -> "agreed" | "differs" | "xfail"


class Window:
    """The data window and the evaluation times derived from it."""

    def __init__(self, dataset: prom_dataset.Dataset):
        self.series_count = len(dataset.series)
        self.metric_names = sorted({s.name for s in dataset.series})
        self.start_s = dataset.start_ms / 1000
        self.end_s = dataset.end_ms / 1000
        # Eight minutes into the attic sensor's 12-minute gap: its lookback finds nothing there.
        self.instant_s = self.start_s + 3600 + 8 * 60
        self.range_start_s = self.start_s + 45 * 60
        self.range_end_s = self.start_s + 105 * 60
        self.at_s = self.start_s + 7200


@pytest.fixture(scope="module")
def peers(tmp_path_factory):
    """(Prometheus client, Perfwatch client, Window) over the same samples."""
    from conftest import Server, stop_all

    end_ms = (int(time.time()) // 60) * 60_000 - 2 * 60_000
    dataset = prom_dataset.generate(end_ms - WINDOW_MS, end_ms)
    try:
        prometheus = prom_peers.start_prometheus(dataset)
    except prom_peers.PeerError as e:
        pytest.fail(str(e), pytrace=False)
    if os.environ.get("PROMSIDE_AGAINST") == "victoria-metrics":
        try:
            other = prom_peers.start_victoria_metrics()
            prom_peers.import_exposition(other.url, dataset.exposition_chunks())
            prom_peers.flush_victoria_metrics(other.url)
            yield prometheus.client, other.client, Window(dataset)
        finally:
            prometheus.stop()
            other.stop()
        return
    perfwatch = Server(tmp_path_factory.mktemp("promside"))
    try:
        perfwatch.wait_ready()
        prom_peers.import_exposition(perfwatch.url, dataset.exposition_chunks())
        yield prometheus.client, prom_peers.PromClient(perfwatch.url), Window(dataset)
    finally:
        prometheus.stop()
        stop_all([perfwatch])


def test_both_hold_the_same_series(peers):
    prometheus, perfwatch, window = peers
    params = {"match[]": '{__name__=~"demo_.+"}', "start": window.start_s, "end": window.end_s}
    status_p, answer_p = prometheus.get("/api/v1/series", params)
    status_w, answer_w = perfwatch.get("/api/v1/series", params)
    assert status_p == 200, answer_p
    assert status_w == 200, answer_w
    expected = sorted(tuple(sorted(s.items())) for s in answer_p["data"])
    actual = sorted(tuple(sorted(s.items())) for s in answer_w["data"])
    assert len(expected) == window.series_count
    assert actual == expected
    # And the same number of samples per metric: count_over_time over the whole window, summed.
    minutes = int((window.end_s - window.start_s) // 60) + 1
    for name in window.metric_names:
        query = f"sum(count_over_time({name}[{minutes}m]))"
        counts = [c.instant(query, window.end_s) for c in (prometheus, perfwatch)]
        assert counts[0][0] == 200 and counts[1][0] == 200, counts
        assert counts[1][1]["data"]["result"] == counts[0][1]["data"]["result"], (name, counts)


def _forms(query: Query, window: Window):
    expr = query.expr.replace("{at}", f"{window.at_s:.3f}")
    if query.instant:
        yield "instant", expr, lambda client: client.instant(expr, window.instant_s)
    if query.range:
        yield "range", expr, lambda client: client.range(expr, window.range_start_s, window.range_end_s, STEP_S)


def _cases():
    for query in CORPUS:
        for form in (["instant"] if query.instant else []) + (["range"] if query.range else []):
            yield pytest.param(query, form, id=f"{form}:{query.expr}")


def _problems(query: Query, form: str, expected, actual) -> list[str]:
    (status_e, body_e), (status_a, body_a) = expected, actual
    if body_e is None or body_e.get("status") not in ("success", "error"):
        return [f"Prometheus answered {status_e} without an API body"]
    if body_e["status"] == "error":
        if body_a is None or body_a.get("status") != "error":
            return [f"Prometheus refused it ({status_e} {body_e['errorType']}: {body_e['error']}); Perfwatch answered {status_a}"]
        if (status_a, body_a.get("errorType")) != (status_e, body_e["errorType"]):
            return [f"error {status_a} {body_a.get('errorType')}, expected {status_e} {body_e['errorType']} ({body_e['error']})"]
        return []
    if status_a != 200 or body_a is None or body_a.get("status") != "success":
        return [f"Perfwatch answered {status_a}: {str(body_a)[:300]}"]
    return prom_peers.compare(body_e["data"], body_a["data"], rel=REL, ordered=query.ordered and form == "instant")


@pytest.mark.parametrize("query,form", list(_cases()))
def test_query_agrees_with_prometheus(peers, query: Query, form: str):
    prometheus, perfwatch, window = peers
    [(form_, expr, call)] = [f for f in _forms(query, window) if f[0] == form]
    problems = _problems(query, form, call(prometheus), call(perfwatch))
    key = f"{form} {expr}"
    if problems and query.xfail:
        RESULTS[key] = "xfail"
        pytest.xfail(f"{query.xfail}: {problems[0]}")
    RESULTS[key] = "differs" if problems else "agreed"
    assert not problems, f"{form} {expr}:\n  " + "\n  ".join(problems[:8])


def test_corpus_covers_the_issue_and_has_data(peers):
    """The corpus is at least 100 queries, names every function and operator issue 19 lists, and most of it
    answers something on Prometheus (a corpus of empty answers would agree with anything)."""
    prometheus, _, window = peers
    assert len(CORPUS) >= 100
    text = "\n".join(q.expr for q in CORPUS)
    required = (
        "offset @ rate( irate( increase( delta( idelta( deriv( predict_linear( resets( changes( avg_over_time( "
        "min_over_time( max_over_time( sum_over_time( count_over_time( quantile_over_time( stddev_over_time( "
        "stdvar_over_time( last_over_time( present_over_time( histogram_quantile( label_replace( label_join( "
        "absent( absent_over_time( scalar( vector( time( timestamp( sort( sort_desc( clamp( clamp_min( clamp_max( "
        "round( abs( ceil( floor( exp( ln( log2( log10( sqrt( sum avg min max count group stddev stdvar topk "
        "bottomk quantile( count_values by without on ignoring group_left group_right bool and or unless "
        "=~ !~ != atan2 ^ %"
    ).split()
    missing = [word for word in required
               if not (re.search(rf"\b{word}\b", text) if word.isidentifier() else word in text)]
    assert not missing, f"the corpus has no query with {missing}"
    empty = []
    for query in CORPUS:
        for form, expr, call in _forms(query, window):
            status, body = call(prometheus)
            if status == 200 and body["data"]["resultType"] in ("vector", "matrix") and not body["data"]["result"]:
                empty.append(f"{form} {expr}")
    forms = sum(query.instant + query.range for query in CORPUS)
    assert len(empty) <= forms // 10, f"{len(empty)} of {forms} answers are empty on Prometheus: {empty}"


def test_summary(capsys):
    """Prints `n agreed / n` over the corpus runs of this session (runs after the parametrized cases)."""
    if not RESULTS:
        pytest.skip("no corpus case ran in this session")
    counts = Counter(RESULTS.values())
    with capsys.disabled():
        print(f"\nPromQL side by side with Prometheus 2.42: {counts['agreed']} agreed / {len(RESULTS)} "
              f"({counts['differs']} differ, {counts['xfail']} known differences)")
        for key, outcome in sorted(RESULTS.items()):
            if outcome != "agreed":
                print(f"  {outcome}: {key}")


# ------------------------------------------------------------------------- Grafana's request sequence


def _shape(value):
    """The JSON shape of an answer: types and keys, not the values (Grafana parses the shape)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def _grafana_requests(start: str, end: str):
    """What Grafana 9/10's Prometheus data source sends: (name, method, path, params or form)."""
    return [
        ("health check", "GET", "/api/v1/query", {"query": "1+1", "time": "4"}),
        ("buildinfo", "GET", "/api/v1/status/buildinfo", None),
        ("query_range", "POST", "/api/v1/query_range", {
            "query": 'sum by (job) (rate(demo_http_requests_total[$__rate_interval]))'.replace("$__rate_interval", "4m"),
            "start": start, "end": end, "step": "60"}),
        ("instant query", "POST", "/api/v1/query", {"query": "topk(3, demo_queue_depth)", "time": end}),
        ("metric names", "GET", "/api/v1/label/__name__/values", {"start": start, "end": end}),
        ("labels", "GET", "/api/v1/labels", {"start": start, "end": end}),
        ("labels of a metric", "GET", "/api/v1/labels", {"match[]": "demo_queue_depth", "start": start, "end": end}),
        ("label values with match[]", "GET", "/api/v1/label/instance/values",
         {"match[]": 'demo_queue_depth{job="api"}', "start": start, "end": end}),
        ("series fallback", "GET", "/api/v1/series", {"match[]": 'demo_queue_depth{job="web"}', "start": start, "end": end}),
        ("metadata", "GET", "/api/v1/metadata", None),
        ("syntax error", "POST", "/api/v1/query_range", {"query": "sum(rate(", "start": start, "end": end, "step": "60"}),
    ]


def _send(client: prom_peers.PromClient, method: str, path: str, params):
    return client.get(path, params) if method == "GET" else client.post_form(path, params)


@pytest.mark.parametrize("name", [r[0] for r in _grafana_requests("0", "0")])
def test_grafana_request_sequence(peers, name: str):
    prometheus, perfwatch, window = peers
    requests_ = _grafana_requests(f"{window.range_start_s:.0f}", f"{window.range_end_s:.0f}")
    [(_, method, path, params)] = [r for r in requests_ if r[0] == name]
    status_p, body_p = _send(prometheus, method, path, params)
    status_w, body_w = _send(perfwatch, method, path, params)
    assert body_w is not None, f"{name}: Perfwatch answered {status_w} without JSON"
    assert status_w == status_p, f"{name}: {status_w} {body_w}, Prometheus {status_p} {body_p}"
    assert body_w["status"] == body_p["status"], (body_w, body_p)
    if body_p["status"] == "error":
        assert body_w["errorType"] == body_p["errorType"], (body_w, body_p)
        assert body_w["error"], body_w
        return
    if name == "buildinfo":
        assert isinstance(body_w["data"].get("version"), str) and body_w["data"]["version"], body_w
        return
    if name == "metadata":
        # Prometheus knows metadata from scrapes only (none here): Perfwatch's entries are checked for shape.
        assert isinstance(body_w["data"], dict), body_w
        entries = [e for es in body_w["data"].values() for e in es]
        assert all(set(e) == {"type", "help", "unit"} for e in entries), body_w
        return
    assert _shape(body_w["data"]) == _shape(body_p["data"]), f"{name}: shape {_shape(body_w['data'])}, Prometheus {_shape(body_p['data'])}"
    if name == "health check":
        assert body_w["data"] == {"resultType": "scalar", "result": [4, "2"]}, body_w
    elif name in ("query_range", "instant query"):
        assert prom_peers.compare(body_p["data"], body_w["data"]) == []
    elif name == "metric names":
        assert {n for n in body_p["data"]} <= set(body_w["data"]), body_w  # Perfwatch also holds its own metrics
    elif name in ("labels", "labels of a metric"):
        assert set(body_p["data"]) <= set(body_w["data"]), (body_w, body_p)
    else:
        def comparable(data):
            return sorted(tuple(sorted(e.items())) if isinstance(e, dict) else e for e in data)

        assert comparable(body_w["data"]) == comparable(body_p["data"]), (body_w, body_p)

"""Forwarding out (issue 19, docs/forwarding.md): what Perfwatch receives reaches OTLP/HTTP,
Datadog and CloudWatch destinations. The destinations are local sinks on free ports (real
sockets): the OTLP sink decodes the protobuf with the `opentelemetry-proto` package, the
Datadog sink reads the v2 series body and `DD-API-KEY`, the CloudWatch sink verifies the
Signature V4 of each request by recomputing it with botocore's `SigV4Auth`.
"""

from __future__ import annotations

import gzip
import hmac
import json
import re
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from conftest import free_port, now_ms, perfwatch_binary
from edge_harness import wait_for
from otlp_payloads import pb_traces, simple_span

AWS_ENV = {"FWD_AWS_KEY": "AKIDFORWARDTEST", "FWD_AWS_SECRET": "forward/test+secret", "FWD_DD_KEY": "dd-e2e-key"}


class Sink:
    """An HTTP destination on a real socket that keeps every request it got.

    mode "ok" answers 200 (202 for Datadog's API, as Datadog does); "hang" holds every request
    open until `stop()`; `status` overrides the answer."""

    def __init__(self, port: int | None = None, mode: str = "ok", status: int | None = None) -> None:
        self.port = port or free_port()
        self.mode = mode
        self.status = status
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with sink.lock:
                    sink.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                if sink.mode == "hang":
                    sink.release.wait(120)
                    return
                status = sink.status or (202 if self.path == "/api/v2/series" else 200)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def received(self) -> list[dict]:
        with self.lock:
            return list(self.requests)

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sinks():
    started: list[Sink] = []

    def _start(**kwargs) -> Sink:
        sink = Sink(**kwargs)
        started.append(sink)
        return sink

    yield _start
    for sink in started:
        sink.stop()


def write_config(tmp_path, destinations: str, extra: str = "") -> str:
    path = tmp_path / "perfwatch.yml"
    path.write_text("forwarding:\n" + destinations + extra)
    return str(path)


def body_of(request: dict) -> bytes:
    body = request["body"]
    return gzip.decompress(body) if request["headers"].get("content-encoding") == "gzip" else body


def otlp_points(sink: Sink) -> list[tuple[str, float, dict]]:
    """(name, value, attributes) of every gauge and sum point the OTLP sink received."""
    out = []
    for request in sink.received():
        if request["path"] != "/v1/metrics":
            continue
        decoded = metrics_service_pb2.ExportMetricsServiceRequest.FromString(body_of(request))
        for resource in decoded.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    points = metric.gauge.data_points if metric.HasField("gauge") else metric.sum.data_points
                    for point in points:
                        out.append((metric.name, point.as_double, {a.key: a.value.string_value for a in point.attributes}))
    return out


def forward_metrics(srv) -> dict[str, float]:
    """`perfwatch_forward_*` samples of /metrics, keyed by the whole series text."""
    text = srv.get("/metrics").text
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^(perfwatch_forward_\S+) (\S+)$", text, re.M)}


def down_destination(tmp_path, name: str, extra: str = "") -> tuple[int, str]:
    """An OTLP destination for `e2e_seq` on a free port where nothing listens until the test starts a sink there."""
    port = free_port()
    return port, write_config(tmp_path, f"""  - name: {name}
    type: otlp
    url: http://127.0.0.1:{port}
    metrics: ["e2e_seq"]
    retry: {{initial: 50ms, max: 300ms}}
""" + extra)


def post_sequence(srv, count: int, name: str = "e2e_seq", per_request: int = 1) -> None:
    """`count` gauge points of one series, values 0..count-1 at distinct times."""
    base = now_ms() - count - 1000
    for start in range(0, count, per_request):
        items = [{"name": name, "kind": "gauge", "value": i, "time": base + i, "tags": {"src": "e2e"}}
                 for i in range(start, min(count, start + per_request))]
        r = srv.post_metrics(items)
        assert r.status_code in (200, 202), r.text


def test_otlp_sink_gets_metrics_and_traces_with_filters(start_server, sinks, tmp_path):
    sink = sinks()
    config = write_config(tmp_path, f"""  - name: collector
    type: otlp
    url: {sink.url}
    headers: {{api-key: "otlp-e2e"}}
    signals: [metrics, traces]
    metrics: ["e2e_*", "!e2e_debug_*"]
""")
    srv = start_server(config=config)
    r = srv.post_metrics([
        {"name": "e2e_cpu", "kind": "gauge", "value": 42.5, "tags": {"host": "web-1", "route": "/checkout"}},
        {"name": "e2e_requests", "kind": "counter", "value": 3, "tags": {"route": "/checkout"}},
        {"name": "e2e_latency", "kind": "timing", "value": 12, "tags": {"route": "/checkout"}},
        {"name": "e2e_latency", "kind": "timing", "value": 250, "tags": {"route": "/checkout"}},
        {"name": "e2e_debug_hits", "kind": "gauge", "value": 1},
        {"name": "other_metric", "kind": "gauge", "value": 7},
    ])
    assert r.status_code in (200, 202), r.text
    span = simple_span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", name="GET /checkout")
    r = srv.post("/v1/traces", data=pb_traces("checkout", [span]), headers={"Content-Type": "application/x-protobuf"})
    assert r.status_code == 200, r.text

    points = wait_for("OTLP metrics", lambda: len(otlp_points(sink)) >= 2 and otlp_points(sink), every=0.1)
    by_name = {name: (value, attributes) for name, value, attributes in points}
    assert by_name["e2e_cpu"] == (42.5, {"host": "web-1", "route": "/checkout"})
    assert by_name["e2e_requests"][0] == 3
    assert "e2e_debug_hits" not in by_name and "other_metric" not in by_name
    metrics_request = next(q for q in sink.received() if q["path"] == "/v1/metrics")
    assert metrics_request["headers"]["content-type"] == "application/x-protobuf"
    assert metrics_request["headers"]["api-key"] == "otlp-e2e"
    decoded = metrics_service_pb2.ExportMetricsServiceRequest.FromString(body_of(metrics_request))
    sums = [m for rm in decoded.resource_metrics for sm in rm.scope_metrics for m in sm.metrics if m.name == "e2e_requests"]
    assert sums[0].sum.is_monotonic and sums[0].sum.aggregation_temporality == 1  # JSON counters are deltas
    histograms = [m for rm in decoded.resource_metrics for sm in rm.scope_metrics for m in sm.metrics if m.name == "e2e_latency"]
    point = histograms[0].histogram.data_points[0]
    assert histograms[0].unit == "ms" and histograms[0].histogram.aggregation_temporality == 1
    assert (point.count, point.sum, point.min, point.max) == (2, 262, 12, 250)
    assert list(point.bucket_counts) == [1, 1, 0] and len(point.explicit_bounds) == 2
    for bound, value in zip(point.explicit_bounds, [12, 250]):
        assert abs(bound - value) / value <= 0.01  # each bucket's bound within 1% of the values it counts
    assert {a.key: a.value.string_value for a in point.attributes} == {"route": "/checkout"}

    traces = wait_for("OTLP traces", lambda: [q for q in sink.received() if q["path"] == "/v1/traces"], every=0.1)
    request = trace_service_pb2.ExportTraceServiceRequest.FromString(body_of(traces[0]))
    resource = request.resource_spans[0]
    assert {a.key: a.value.string_value for a in resource.resource.attributes}["service.name"] == "checkout"
    received_span = resource.scope_spans[0].spans[0]
    assert received_span.trace_id.hex() == "0af7651916cd43dd8448eb211c80319c"
    assert received_span.span_id.hex() == "b7ad6b7169203331"
    assert received_span.name == "GET /checkout"
    assert received_span.end_time_unix_nano - received_span.start_time_unix_nano == 12_000_000
    assert {a.key: a.value.string_value for a in received_span.attributes}["http.route"] == "/hold"

    counters = wait_for("sent counter", lambda: (c := forward_metrics(srv)).get('perfwatch_forward_sent_total{destination="collector"}', 0) >= 3 and c, every=0.1)
    assert counters['perfwatch_forward_dropped_total{destination="collector",reason="spool_full"}'] == 0
    assert 'perfwatch_forward_spool_bytes{destination="collector"}' in counters


def test_datadog_sink_gets_series_v2_with_api_key(start_server, sinks, tmp_path):
    sink = sinks()
    config = write_config(tmp_path, f"""  - name: dd
    type: datadog
    site: {sink.url}
    api_key_env: FWD_DD_KEY
    metrics: ["e2e_*"]
""")
    srv = start_server(config=config, env=AWS_ENV)
    at = now_ms() - 5000
    r = srv.post_metrics([
        {"name": "e2e_cpu", "kind": "gauge", "value": 42.5, "time": at, "tags": {"host": "web-1", "route": "/checkout"}},
        {"name": "e2e_latency", "kind": "timing", "value": 10, "time": at, "tags": {"route": "/checkout"}},
        {"name": "e2e_latency", "kind": "timing", "value": 30, "time": at + 1, "tags": {"route": "/checkout"}},
    ])
    assert r.status_code in (200, 202), r.text
    requests_ = wait_for("a Datadog request", lambda: sink.received(), every=0.1)
    request = requests_[0]
    assert request["path"] == "/api/v2/series"
    assert request["headers"]["dd-api-key"] == "dd-e2e-key"
    assert request["headers"]["content-type"] == "application/json"
    assert request["headers"]["content-encoding"] == "gzip"
    series = {s["metric"]: s for q in requests_ for s in json.loads(body_of(q))["series"]}
    cpu = series["e2e_cpu"]
    assert cpu["type"] == 3
    assert cpu["points"] == [{"timestamp": at // 1000, "value": 42.5}]
    assert cpu["resources"] == [{"name": "web-1", "type": "host"}]
    assert cpu["tags"] == ["route:/checkout"]
    assert series["e2e_latency.count"]["type"] == 1 and series["e2e_latency.count"]["points"][0]["value"] == 2
    assert series["e2e_latency.sum"]["points"][0]["value"] == 40
    assert series["e2e_latency.max"]["points"][0]["value"] == 30


def test_refused_batches_are_dropped_counted_and_not_retried(start_server, sinks, tmp_path):
    sink = sinks(status=400)
    config = write_config(tmp_path, f"""  - name: strict
    type: otlp
    url: {sink.url}
    metrics: ["e2e_*"]
    retry: {{initial: 50ms, max: 100ms}}
""")
    srv = start_server(config=config)
    post_sequence(srv, 3, per_request=3)
    key = 'perfwatch_forward_dropped_total{destination="strict",reason="rejected"}'
    counters = wait_for("rejected drops", lambda: (c := forward_metrics(srv)).get(key, 0) >= 3 and c, every=0.1)
    assert counters[key] == 3
    time.sleep(0.5)  # several back-off periods: a retried 400 would have been sent again by now
    assert len(sink.received()) == 1
    assert forward_metrics(srv)['perfwatch_forward_failures_total{destination="strict"}'] == 0
    assert "destination refused a batch" in srv.output()
    assert srv.get("/healthz").status_code == 200


def test_points_the_store_refuses_are_not_forwarded(start_server, sinks, tmp_path):
    sink = sinks()
    config = write_config(tmp_path, f"""  - name: collector
    type: otlp
    url: {sink.url}
    metrics: ["e2e_*"]
""")
    srv = start_server(config=config)
    assert srv.post_metrics([{"name": "e2e_kind", "kind": "gauge", "value": 1}]).status_code in (200, 202)
    r = srv.post_metrics([{"name": "e2e_kind", "kind": "counter", "value": 2}, {"name": "e2e_other", "kind": "gauge", "value": 3}])
    assert "kind" in r.text, r.text  # the counter is refused: the metric is a gauge
    points = wait_for("both accepted points", lambda: len(p := otlp_points(sink)) >= 2 and p, every=0.1)
    time.sleep(0.3)
    assert sorted((name, value) for name, value, _ in otlp_points(sink)) == [("e2e_kind", 1.0), ("e2e_other", 3.0)], points


def verify_sigv4(request: dict, region: str, secret: str) -> str:
    """Recomputes the request's signature with botocore from what was received; returns the access key id."""
    authorization = request["headers"]["authorization"]
    m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/monitoring/aws4_request, "
                     r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})", authorization)
    assert m, authorization
    access_key, date, signed_region, signed_headers, signature = m.groups()
    assert signed_region == region
    headers_by_lower = request["headers"]  # the sink keeps names lowercased
    amz_date = headers_by_lower["x-amz-date"]
    assert amz_date.startswith(date)
    signed = signed_headers.split(";")
    assert {"host", "x-amz-date", "content-type"} <= set(signed)
    aws_request = AWSRequest(method="POST", url=f"http://{headers_by_lower['host']}{request['path']}", data=request["body"],
                             headers={name: headers_by_lower[name] for name in signed if name != "host"})
    auth = SigV4Auth(Credentials(access_key, secret), "monitoring", region)
    aws_request.context["timestamp"] = amz_date
    canonical = auth.canonical_request(aws_request)
    expected = auth.signature(auth.string_to_sign(aws_request, canonical), aws_request)
    assert hmac.compare_digest(expected, signature), f"signature mismatch:\n{canonical}"
    return access_key


def test_cloudwatch_sink_verifies_sigv4_with_botocore(start_server, sinks, tmp_path):
    sink = sinks()
    config = write_config(tmp_path, f"""  - name: cw
    type: cloudwatch
    region: eu-west-1
    namespace: Perfwatch/E2E
    endpoint: {sink.url}
    access_key_id_env: FWD_AWS_KEY
    secret_access_key_env: FWD_AWS_SECRET
    metrics: ["e2e_*"]
""")
    srv = start_server(config=config, env=AWS_ENV)
    r = srv.post_metrics([
        {"name": "e2e_cpu", "kind": "gauge", "value": 42.5, "tags": {"host": "web-1", "route": "/checkout"}},
        {"name": "e2e_latency", "kind": "timing", "value": 12, "tags": {"route": "/checkout"}},
    ])
    assert r.status_code in (200, 202), r.text
    requests_ = wait_for("a PutMetricData request", lambda: sink.received(), every=0.1)
    for request in requests_:
        assert verify_sigv4(request, "eu-west-1", AWS_ENV["FWD_AWS_SECRET"]) == "AKIDFORWARDTEST"
    form = dict(urllib.parse.parse_qsl(requests_[0]["body"].decode()))
    assert form["Action"] == "PutMetricData" and form["Version"] == "2010-08-01" and form["Namespace"] == "Perfwatch/E2E"
    members = {form[k]: k.split(".")[2] for k in form if k.endswith(".MetricName")}
    cpu = members["e2e_cpu"]
    assert form[f"MetricData.member.{cpu}.Value"] == "42.5"
    assert form[f"MetricData.member.{cpu}.Dimensions.member.1.Name"] == "host"
    assert form[f"MetricData.member.{cpu}.Dimensions.member.1.Value"] == "web-1"
    latency = members["e2e_latency"]
    assert form[f"MetricData.member.{latency}.StatisticValues.SampleCount"] == "1"
    assert form[f"MetricData.member.{latency}.StatisticValues.Maximum"] == "12"
    assert form[f"MetricData.member.{latency}.Unit"] == "Milliseconds"

    # A tampered body no longer matches its signature: the check above can fail.
    tampered = dict(requests_[0], body=requests_[0]["body"].replace(b"42.5", b"42.6"))
    with pytest.raises(AssertionError):
        verify_sigv4(tampered, "eu-west-1", AWS_ENV["FWD_AWS_SECRET"])


def test_destination_down_then_back_loses_nothing_within_the_spool(start_server, sinks, tmp_path):
    port, config = down_destination(tmp_path, "late")
    srv = start_server(config=config)
    post_sequence(srv, 200, per_request=5)
    wait_for("failed attempts", lambda: forward_metrics(srv).get('perfwatch_forward_failures_total{destination="late"}', 0) >= 2, every=0.1)
    assert forward_metrics(srv)['perfwatch_forward_spool_bytes{destination="late"}'] > 0
    sink = sinks(port=port)
    values = wait_for("all 200 points", lambda: len(v := sorted(value for _, value, _ in otlp_points(sink))) >= 200 and v, every=0.1)
    assert values == [float(i) for i in range(200)]
    counters = wait_for("sent == 200", lambda: (c := forward_metrics(srv))['perfwatch_forward_sent_total{destination="late"}'] == 200 and c, every=0.1)
    assert counters['perfwatch_forward_dropped_total{destination="late",reason="spool_full"}'] == 0
    assert counters['perfwatch_forward_spool_bytes{destination="late"}'] == 0


def test_spool_bound_drops_the_oldest_and_counts_exactly(start_server, sinks, tmp_path):
    port, config = down_destination(tmp_path, "small", "    spool: {max_bytes: 8KiB}\n")
    srv = start_server(config=config)
    total = 300
    post_sequence(srv, total)
    dropped_key = 'perfwatch_forward_dropped_total{destination="small",reason="spool_full"}'
    wait_for("spool_full drops", lambda: forward_metrics(srv).get(dropped_key, 0) > 0, every=0.1)
    assert forward_metrics(srv)['perfwatch_forward_spool_bytes{destination="small"}'] <= 8192
    sink = sinks(port=port)

    def settled():
        counters = forward_metrics(srv)
        sent = counters['perfwatch_forward_sent_total{destination="small"}']
        return counters if sent + counters[dropped_key] == total and counters['perfwatch_forward_spool_bytes{destination="small"}'] == 0 else None

    counters = wait_for("sent + dropped == ingested", settled, every=0.1)
    values = sorted(value for _, value, _ in otlp_points(sink))
    # Nothing was received twice, what arrived plus what was counted dropped is everything, and
    # what survived is the newest (the oldest segments went first).
    assert len(values) == len(set(values))
    assert len(values) + counters[dropped_key] == total
    assert 0 < counters[dropped_key] < total
    assert values[-1] == total - 1
    assert values == [float(v) for v in range(total - len(values), total)]


def test_spooled_points_are_sent_after_a_restart(start_server, sinks, tmp_path):
    port, config = down_destination(tmp_path, "later")
    data_dir = tmp_path / "data"
    srv = start_server(data_dir, config=config)
    post_sequence(srv, 50, per_request=10)
    wait_for("spooled bytes", lambda: forward_metrics(srv).get('perfwatch_forward_spool_bytes{destination="later"}', 0) > 0, every=0.1)
    assert srv.stop() == 0
    sink = sinks(port=port)
    restarted = start_server(data_dir, config=config)
    values = wait_for("points spooled before the restart", lambda: len(v := sorted(value for _, value, _ in otlp_points(sink))) >= 50 and v, every=0.1)
    assert values == [float(i) for i in range(50)]
    assert restarted.get("/healthz").status_code == 200


def test_hanging_destination_does_not_slow_ingest(start_server, sinks, tmp_path):
    sink = sinks(mode="hang")
    config = write_config(tmp_path, f"""  - name: stuck
    type: otlp
    url: {sink.url}
    timeout: 60s
""")
    srv = start_server(config=config)
    post_sequence(srv, 1)
    wait_for("the sink to hold a request", lambda: sink.received(), every=0.1)
    latencies = []
    for i in range(40):
        started = time.monotonic()
        r = srv.post_metrics([{"name": "e2e_seq", "kind": "gauge", "value": i}])
        latencies.append(time.monotonic() - started)
        assert r.status_code in (200, 202), r.text
    # The sink holds its request for a minute; an ingest path that waited on it would take that long.
    assert max(latencies) < 5.0, latencies
    assert len(sink.received()) == 1  # still the one request, held
    assert forward_metrics(srv)['perfwatch_forward_spool_bytes{destination="stuck"}'] > 0


@pytest.mark.parametrize("destination,env,expected", [
    ("  - {name: x, type: kafka}\n", {}, r":2: forwarding\[0\]\.type: unknown destination type \"kafka\""),
    ("  - name: x\n    type: otlp\n    url: not-a-url\n", {}, r":4: forwarding\[0\]\.url: expected an http:// or https:// URL"),
    ("  - name: x\n    type: cloudwatch\n", AWS_ENV, r":2: forwarding\[0\]\.region: required field is missing"),
    ("  - name: x\n    type: datadog\n    api_key_env: FWD_NOT_SET_ANYWHERE\n", {},
     r":4: forwarding\[0\]\.api_key_env: environment variable FWD_NOT_SET_ANYWHERE is not set"),
])
def test_config_errors_exit_2_naming_file_line_and_field(tmp_path, destination, env, expected):
    config = write_config(tmp_path, destination)
    proc = subprocess.run(
        [str(perfwatch_binary()), "serve", "--config", config, "--data", str(tmp_path / "data"), "--port", str(free_port())],
        capture_output=True, text=True, timeout=60, env={**__import__("os").environ, **env},
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert re.search(re.escape(config) + expected, proc.stderr), proc.stderr

"""The side-by-side PromQL corpus: every query runs against real Prometheus 2.42 and Perfwatch over the same
data (prom_dataset.py) and the answers must agree.

Each entry is one expression. `instant` and `range` say which forms run (a range-vector result has no range
form; both by default). `{at}` stands for an absolute time inside the window (for `@`), filled in by the test.
`ordered` compares the order of an instant vector's elements too (sort, sort_desc: only where values differ).
`xfail` names a known difference between Perfwatch and Prometheus; it is still run and reported, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Query:
    expr: str
    instant: bool = True
    range: bool = True
    ordered: bool = False
    xfail: str | None = None


def Q(expr: str, **kwargs) -> Query:
    return Query(expr, **kwargs)


def R(expr: str, **kwargs) -> Query:
    """A query whose result is a range vector: instant form only."""
    return Query(expr, range=False, **kwargs)


REQ = "demo_http_requests_total"
MEM = "demo_memory_usage_bytes"
TEMP = "demo_temperature_celsius"
QUEUE = "demo_queue_depth"
BUCKET = "demo_request_duration_seconds_bucket"

CORPUS: list[Query] = [
    # --- selectors and matchers
    Q(REQ),
    Q(f'{REQ}{{job="api"}}'),
    Q(f'{REQ}{{job!="api"}}'),
    Q(f'{REQ}{{route=~"/(login|search)"}}'),
    Q(f'{REQ}{{route!~"/l.*",code="500"}}'),
    Q('{__name__="demo_queue_depth"}'),
    Q('{__name__=~"demo_(queue_depth|instance_up)",job="web"}'),
    Q(f'{TEMP}{{sensor=""}}'),
    Q(f'{TEMP}{{nolabel=""}}'),
    Q(f'{TEMP}{{sensor=~"a.*|n.*"}}'),
    R(f"{QUEUE}[2m]"),
    R(f'{TEMP}{{sensor="attic"}}[10m]'),
    # --- offset, @, subqueries
    Q(f"{MEM} offset 10m"),
    Q(f"{MEM} offset -5m"),
    Q(f"sum(rate({REQ}[5m] offset 30m))"),
    Q(f"{MEM} @ {{at}}"),
    Q(f"rate({REQ}[5m] @ {{at}})"),
    Q(f"{QUEUE} @ {{at}} offset 5m"),
    Q(f"{QUEUE} @ start()"),
    Q(f"{QUEUE} @ end()"),
    Q(f"max_over_time(rate({REQ}[5m])[30m:1m])"),
    Q(f"avg_over_time(sum by (job) ({QUEUE})[15m:])"),
    Q(f"min_over_time(deriv({MEM}[10m])[20m:2m] offset 10m)"),
    R(f"rate({REQ}{{code=\"500\"}}[5m])[10m:1m]"),
    # --- counters and rates
    Q(f"rate({REQ}[5m])"),
    Q(f"rate({REQ}[1m])"),
    Q(f"rate({REQ}[1h])"),
    Q(f"irate({REQ}[5m])"),
    Q(f"increase({REQ}[10m])"),
    Q(f"increase({REQ}[17m])"),
    Q(f"resets({REQ}[1h])"),
    Q(f"changes({QUEUE}[10m])"),
    Q(f"delta({MEM}[10m])"),
    Q(f"delta({TEMP}[7m])"),
    Q(f"idelta({MEM}[5m])"),
    Q(f"deriv({MEM}[10m])"),
    Q(f"predict_linear({MEM}[30m], 3600)"),
    Q(f"predict_linear({TEMP}[15m], 600)"),
    # --- *_over_time
    Q(f"avg_over_time({TEMP}[10m])"),
    Q(f"min_over_time({TEMP}[10m])"),
    Q(f"max_over_time({TEMP}[10m])"),
    Q(f"sum_over_time({QUEUE}[5m])"),
    Q(f"count_over_time({TEMP}[10m])"),
    Q(f"quantile_over_time(0.9, {QUEUE}[10m])"),
    Q(f"quantile_over_time(0.5, {TEMP}[30m])"),
    Q(f"stddev_over_time({MEM}[10m])"),
    Q(f"stdvar_over_time({QUEUE}[10m])"),
    Q(f"last_over_time({TEMP}[20m])"),
    Q(f"present_over_time({TEMP}[1m])"),
    Q(f"absent_over_time({TEMP}{{sensor=\"attic\"}}[1m])"),
    Q(f"absent_over_time(nonexistent_metric[5m])"),
    # --- histograms
    Q(f"histogram_quantile(0.95, sum by (le, route) (rate({BUCKET}[5m])))"),
    Q(f"histogram_quantile(0.5, sum by (le) (rate({BUCKET}[5m])))"),
    Q(f"histogram_quantile(0.99, sum by (le, job, route) (rate({BUCKET}[10m])))"),
    Q(f"histogram_quantile(0.9, rate({BUCKET}{{job=\"api\"}}[5m]))"),
    Q(f"histogram_quantile(0, sum by (le) (rate({BUCKET}[5m])))"),
    Q(f"histogram_quantile(1, sum by (le) (rate({BUCKET}[5m])))"),
    Q(f"histogram_quantile(1.5, sum by (le) (rate({BUCKET}[5m])))"),
    Q(f"sum by (route) (rate(demo_request_duration_seconds_sum[5m])) / sum by (route) (rate(demo_request_duration_seconds_count[5m]))"),
    # --- label functions, absent, scalar, vector, time
    Q(f'label_replace({QUEUE}, "host", "$1", "instance", "(.*):.*")'),
    Q(f'label_replace({QUEUE}, "instance", "", "instance", ".*")'),
    Q(f'label_join({QUEUE}, "both", "/", "job", "instance")'),
    Q(f'label_join({TEMP}, "sensor", "-", "sensor", "sensor")'),
    Q("absent(nonexistent_metric)"),
    Q('absent(nonexistent_metric{job="x", route=~"y"})'),
    Q(f"absent({QUEUE})"),
    Q(f'scalar(sum({QUEUE}{{job="api"}}))'),
    Q(f"scalar({QUEUE})"),
    Q("vector(42)"),
    Q(f'vector(scalar(count({REQ})))'),
    Q("time()"),
    Q(f"timestamp({TEMP})"),
    Q(f"time() - timestamp({MEM})"),
    # --- sort and math
    Q(f"sort({MEM})", ordered=True),
    Q(f"sort_desc({MEM})", ordered=True),
    Q(f"clamp({TEMP}, 0, 10)"),
    Q(f"clamp_min({TEMP}, 1)"),
    Q(f"clamp_max({TEMP}, 1)"),
    Q(f"round({TEMP})"),
    Q(f"round({TEMP}, 0.5)"),
    Q(f"abs({TEMP})"),
    Q(f"ceil({TEMP})"),
    Q(f"floor({TEMP})"),
    Q(f"exp({TEMP} / 10)"),
    Q(f"ln({MEM})"),
    Q(f"log2({QUEUE} + 1)"),
    Q(f"log10({MEM})"),
    Q(f"sqrt(abs({TEMP}))"),
    Q(f"ln({TEMP})"),
    Q(f"sqrt({TEMP})"),
    # --- aggregations
    Q(f"sum({REQ})"),
    Q(f"sum by (job) (rate({REQ}[5m]))"),
    Q(f"sum without (instance, code) (rate({REQ}[5m]))"),
    Q(f"avg by (job) ({MEM})"),
    Q(f"min by (route) (rate({REQ}[5m]))"),
    Q(f"max without (instance) ({QUEUE})"),
    Q(f"count by (code) ({REQ})"),
    Q(f"count({TEMP})"),
    Q(f"group by (job) ({REQ})"),
    Q(f"stddev by (job) ({MEM})"),
    Q(f"stdvar({QUEUE})"),
    Q(f"topk(3, rate({REQ}[5m]))"),
    Q(f"topk by (job) (1, {MEM})"),
    Q(f"bottomk(2, {TEMP})"),
    Q(f"bottomk without (instance) (1, {QUEUE} + 0.5 * {MEM} / 1e9)"),
    Q(f"quantile(0.5, {TEMP})"),
    Q(f"quantile by (job) (0.9, rate({REQ}[5m]))"),
    Q(f"quantile(0.25, {QUEUE})"),
    Q(f'count_values("depth", {QUEUE})'),
    Q(f'count_values by (job) ("up", demo_instance_up)'),
    Q(f"sum by (job) (rate({REQ}{{code=\"500\"}}[5m])) / sum by (job) (rate({REQ}[5m]))"),
    # --- binary operators and matching
    Q(f"{MEM} / 1024 / 1024"),
    Q(f"2 ^ 3 ^ 2"),
    Q(f"-{TEMP}"),
    Q(f"{TEMP} % 3"),
    Q(f"{QUEUE} - {QUEUE} offset 5m"),
    Q(f"{TEMP} atan2 10"),  # keeps __name__ in 2.42 (its shouldDropMetricName lists only + - * / % ^)
    Q(f"{TEMP} > 5"),
    Q(f"{TEMP} > bool 5"),
    Q(f"{QUEUE} == 10"),
    Q(f"{QUEUE} != bool 0"),
    Q(f"{TEMP} <= {TEMP} offset 10m"),
    Q(f"5 < bool 3"),
    Q(f"{QUEUE} / on (job, instance) {MEM}"),
    Q(f"{QUEUE} * ignoring (job) group_left {QUEUE}"),
    Q(f"sum by (job, instance) (rate({REQ}[5m])) / on (job, instance) group_left {QUEUE}"),
    Q(f"{QUEUE} * on (job) group_left (version) demo_build_info"),
    Q(f"demo_build_info * on (job) group_right (version) {QUEUE}"),
    Q(f"rate({REQ}[5m]) / ignoring (code) group_left sum without (code) (rate({REQ}[5m]))"),
    Q(f"{QUEUE} > on (job, instance) demo_instance_up"),
    Q(f"{QUEUE} > bool on (job, instance) group_left demo_instance_up"),
    # --- set operators
    Q(f"{QUEUE} and demo_instance_up == 1"),
    Q(f"{QUEUE} and on (instance) ({MEM} > 5e8)"),
    Q(f"{QUEUE} or {MEM}"),
    Q(f"{QUEUE}{{job=\"api\"}} or on (job) {QUEUE}"),
    Q(f"{QUEUE} unless demo_instance_up == 0"),
    Q(f"{QUEUE} unless ignoring (job) {MEM} > 6e8"),
    Q(f"({QUEUE} > 25) or vector(0)"),
    # --- odd corners
    Q(f"{TEMP}{{sensor=\"attic\"}}"),
    Q(f"count_over_time({TEMP}{{sensor=\"attic\"}}[15m])"),
    Q(f"rate({TEMP}{{sensor=\"attic\"}}[20m])"),
    Q(f"sum(rate({REQ}[5m])) by (route)"),
    Q(f"count(count by (job) ({REQ}))"),
    Q(f"max(topk(2, {QUEUE}))"),
    Q("1 + 1"),
    Q("-(2 * 3)"),
    Q('"a string"', range=False),
]

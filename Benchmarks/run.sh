#!/usr/bin/env bash
# Perfwatch benchmarks: metrics side by side with VictoriaMetrics (bench.py, remote_write_bench.py), PromQL dashboard
# queries beside Prometheus 2.42 and VictoriaMetrics (promql_bench.py), the OTLP trace
# path (otlp_bench.py), RUM beacon ingest (rum_ingest_bench.py), the edge proxy side by side with
# nginx (edge_bench.py), image transcoding against vipsthumbnail (image_bench.py), lab audits against a bare
# Chromium load (audit_bench.py), synthetic checks' server cost (synthetic_bench.py), ingest latency with forwarding
# destinations (forwarding_bench.py); full runs add the snippet in
# Chromium (rum_bench.py) and the load generator against wrk and locust (load_bench.py).
# See Benchmarks/README.md.
#   bash Benchmarks/run.sh            full run (minutes; use a release build)
#   bash Benchmarks/run.sh --smoke    tiny sizes, same code paths (CI checks it runs)
# Exits 0 even when a target is missed; non-zero only if something failed to run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

smoke=()
for arg in "$@"; do
    case "$arg" in
        --smoke) smoke=(--smoke) ;;
        -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

if [ -x .build/release/perfwatch ]; then
    bin=.build/release/perfwatch; build=release
elif [ -x .build/debug/perfwatch ]; then
    bin=.build/debug/perfwatch; build=debug
else
    echo "error: no perfwatch binary; run 'swift build -c release' (or 'swift build') first" >&2
    exit 1
fi

vm=""
if dpkg -s victoria-metrics >/dev/null 2>&1; then
    vm=$(dpkg -L victoria-metrics | grep -E '/bin/victoria-metrics$' | head -n1 || true)
fi
[ -n "$vm" ] || vm=$(command -v victoria-metrics || true)
if [ -z "$vm" ]; then
    if [ "${#smoke[@]}" -gt 0 ]; then
        echo "victoria-metrics is not installed: skipping the VictoriaMetrics side of the smoke run"
    else
        echo "error: victoria-metrics is not installed (apt-get install victoria-metrics)" >&2
        exit 1
    fi
fi

# Both always run; the exit status is non-zero if either failed to run.
status=0
python3 Benchmarks/bench.py --perfwatch "$bin" --build "$build" --vm "$vm" "${smoke[@]}" || status=$?
echo
echo "==== Prometheus remote write: perfwatch vs VictoriaMetrics (issue 19) ===="
python3 Benchmarks/remote_write_bench.py --perfwatch "$bin" --build "$build" --vm "$vm" "${smoke[@]}" || status=$?
echo
echo "==== PromQL dashboard queries: perfwatch vs Prometheus 2.42 and VictoriaMetrics (issue 19) ===="
python3 Benchmarks/promql_bench.py --perfwatch "$bin" --build "$build" ${vm:+--vm "$vm"} "${smoke[@]}" || status=$?
echo
echo "==== OTLP trace benchmark ===="
python3 Benchmarks/otlp_bench.py --perfwatch "$bin" --build "$build" "${smoke[@]}" || status=$?
echo
echo "==== RUM beacon ingest benchmark ===="
python3 Benchmarks/rum_ingest_bench.py --perfwatch "$bin" --build "$build" "${smoke[@]}" || status=$?
echo
echo "==== Analysis pass over 24 h (all analyzers) ===="
python3 Benchmarks/analysis_bench.py --perfwatch "$bin" --build "$build" "${smoke[@]}" || status=$?
echo
echo "==== perfwatch edge vs nginx (pass-through, cache hits, added latency, idle connections) ===="
python3 Benchmarks/edge_bench.py --perfwatch "$bin" --build "$build" "${smoke[@]}" || status=$?
echo
echo "==== image transcoding: the edge vs vipsthumbnail and ImageMagick (issue 17) ===="
python3 Benchmarks/image_bench.py --perfwatch "$bin" --build "$build" "${smoke[@]}" || status=$?
echo
echo "==== perfwatch audit: wall time per run vs a bare throttled Chromium load (issue 20) ===="
python3 Benchmarks/audit_bench.py --perfwatch "$bin" --build "$build" "${smoke[@]}" || status=$?
echo
echo "==== Synthetic HTTP checks: server CPU and memory for 100 checks every 30 s (issue 20) ===="
python3 Benchmarks/synthetic_bench.py --perfwatch "$bin" --build "$build" "${smoke[@]}" || status=$?
echo
echo "==== Forwarding out: ingest latency with OTLP/Datadog sinks and a hanging one vs none (issue 19) ===="
python3 Benchmarks/forwarding_bench.py --perfwatch "$bin" --build "$build" "${smoke[@]}" || status=$?
echo
echo "==== Anomaly detector precision/recall (labelled synthetic set) ===="
# Pure computation (no server): built with the same configuration as the measured binary.
if [ -x ".build/$build/anomaly-bench" ] || swift build -c "$build" --product anomaly-bench; then
    ".build/$build/anomaly-bench" "${smoke[@]}" || status=$?
else
    status=1
fi
echo
echo "==== Database advisor pass: 5,000 statements, 200 tables (issue 21) ===="
# Starts its own PostgreSQL 15 (scripts/start_postgres.sh) on a private port; the pass runs in db-advisor-bench.
if [ -x ".build/$build/db-advisor-bench" ] || swift build -c "$build" --product db-advisor-bench; then
    python3 Benchmarks/db_advisor_bench.py --bench ".build/$build/db-advisor-bench" --build "$build" "${smoke[@]}" || status=$?
else
    status=1
fi
echo
echo "==== ClickHouse store: insert formats on ClickHouse 18.16 (issue 18) ===="
# Starts its own ClickHouse (scripts/start_clickhouse.sh) on private ports.
python3 Benchmarks/clickhouse_insert_formats.py "${smoke[@]}" || status=$?
if [ "${#smoke[@]}" -eq 0 ]; then
    # Full runs only: these drive Chromium, nginx, wrk and locust for minutes.
    echo
    echo "==== RUM snippet: size and main-thread time in Chromium ===="
    python3 Benchmarks/rum_bench.py || status=$?
    echo
    echo "==== Load generator vs wrk and locust ===="
    python3 Benchmarks/load_bench.py --cmd "$bin load" || status=$?
fi
exit "$status"

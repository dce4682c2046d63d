#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/) and runs each for a bounded time from its committed seed
# corpus (Fuzz/corpus/<target>/). Non-zero if the build fails or any target crashes, leaks
# memory past the RSS limit or hangs on one input. Prints executions and crashes per target.
#
#   scripts/fuzz.sh                          # 15 s per target (the test command)
#   scripts/fuzz.sh --seconds-per-target 60
#   scripts/fuzz.sh --minutes 3              # a longer run: 3 min per target
#   scripts/fuzz.sh --targets "gzip rum-beacon" --minutes 1
#
# New inputs libFuzzer finds go to .build-fuzz/corpus/<target>/ (not committed); a crashing input
# is written to Fuzz/crashes/<target>/ — add it to the seed corpus with its fix and a regression test.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=15
targets=""
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds-per-target) seconds="$2"; shift 2 ;;
        --minutes) seconds=$(( $2 * 60 )); shift 2 ;;
        --targets) targets="$2"; shift 2 ;;
        -h|--help) sed -n 2,13p "$0"; exit 0 ;;
        *) echo "fuzz.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

scratch=.build-fuzz
echo "fuzz: building Fuzz/ (-sanitize=fuzzer,address) into $scratch"
swift build -c debug --package-path Fuzz --scratch-path "$scratch" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
binary="$scratch/debug/PerfwatchFuzz"

if [ -z "$targets" ]; then
    targets=$(ls Fuzz/corpus)
fi

# Swift's backtracer would hold a crashing process for seconds; libFuzzer reports crashes itself.
export SWIFT_BACKTRACE=enable=no
# Leak reports from the Swift runtime's metadata caches are not ours to fix.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}"

failed=()
printf '%-24s %12s %8s\n' target executions crashes > "$scratch/fuzz-summary.txt"
for target in $targets; do
    work="$scratch/corpus/$target"
    crashes="Fuzz/crashes/$target"
    log="$scratch/fuzz-$target.log"
    mkdir -p "$work" "$crashes"
    before=$(find "$crashes" -type f | wc -l)
    status=0
    PERFWATCH_FUZZ_TARGET="$target" "$binary" "$work" "Fuzz/corpus/$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="$crashes/" -print_final_stats=1 > "$log" 2>&1 || status=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    after=$(find "$crashes" -type f | wc -l)
    found=$(( after - before ))
    if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then found=1; fi
    printf '%-24s %12s %8s\n' "$target" "${executions:-?}" "$found" >> "$scratch/fuzz-summary.txt"
    echo "fuzz: $target: ${executions:-?} executions, $found crashes"
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        echo "fuzz: $target failed (exit $status); the end of $log:" >&2
        tail -40 "$log" >&2
    fi
done

echo
cat "$scratch/fuzz-summary.txt"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz: crashes in: ${failed[*]} (inputs in Fuzz/crashes/)" >&2
    exit 1
fi
echo "fuzz: no crashes ($seconds s per target)"

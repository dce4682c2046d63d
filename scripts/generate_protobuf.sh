#!/usr/bin/env bash
# Regenerates the committed Swift of every protobuf schema in proto/ (the OTLP subset and the
# remote write subset), or with --check proves the committed files are what the schemas and the
# pinned tools produce today, byte for byte (the freshness test the test command runs).
#
#   bash scripts/generate_protobuf.sh            # rewrite Sources/*/Generated/*.pb.swift
#   bash scripts/generate_protobuf.sh --check    # regenerate into a temporary directory and diff
#
# Tools: Debian's protoc (protobuf-compiler) and protoc-gen-swift built as a product of this
# package, so its version is the swift-protobuf that Package.resolved pins (not the build plugin,
# which the project does not use). docs/formats/otlp-subset.md and remote-write-subset.md explain
# the options; they must stay the ones below.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

check=0
case "${1:-}" in
    --check) check=1 ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

command -v protoc >/dev/null 2>&1 || { echo "protoc is missing: apt-get install protobuf-compiler" >&2; exit 2; }
swift build --product protoc-gen-swift >/dev/null 2>&1 || swift build --product protoc-gen-swift  # quiet unless it fails
plugin="$(swift build --show-bin-path 2>/dev/null)/protoc-gen-swift"

# One line per generated set: output directory, then the schemas (relative to proto/).
sets=(
    "Sources/PerfwatchOTLP/Generated|$(cd proto && find opentelemetry -name '*.proto' | sort | tr '\n' ' ')"
    "Sources/PerfwatchIngest/RemoteWrite/Generated|prometheus/types.proto prometheus/remote.proto"
)

scratch=$(mktemp -d -t perfwatch-protoc.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
stale=0
for set in "${sets[@]}"; do
    out="${set%%|*}"
    read -r -a schemas <<<"${set#*|}"
    target="$scratch/$out"
    mkdir -p "$target"
    protoc --plugin=protoc-gen-swift="$plugin" \
        --swift_out="$target" \
        --swift_opt=Visibility=Public \
        --swift_opt=FileNaming=PathToUnderscores \
        --swift_opt=UseAccessLevelOnImports=true \
        -I proto \
        "${schemas[@]}"
    if [ "$check" = 1 ]; then
        if ! diff -r "$out" "$target" >"$scratch/diff.txt"; then
            echo "stale generated code in $out (regenerate with: bash scripts/generate_protobuf.sh):" >&2
            head -n 40 "$scratch/diff.txt" >&2
            stale=1
        fi
    else
        rm -f "$out"/*.pb.swift
        cp "$target"/*.pb.swift "$out"/
        echo "regenerated $out"
    fi
done
if [ "$check" = 1 ]; then
    [ "$stale" = 0 ] || exit 1
    echo "generated protobuf code is fresh (${#sets[@]} sets)"
fi

#!/usr/bin/env bash
# The test command (README): installs what is missing, builds, runs the Swift tests, fuzzes every
# parser for a bounded time (scripts/fuzz.sh), builds the swift-otel client of the e2e suite
# (Tests/swift-otel-client), runs the end-to-end suites and a smoke run of the benchmark.
# Non-zero if any step fails.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

section() { printf '\n==== %s ====\n' "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

section "Dependencies"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
dpkg -s victoria-metrics >/dev/null 2>&1 || missing+=(victoria-metrics)
dpkg -s zlib1g-dev >/dev/null 2>&1 || missing+=(zlib1g-dev)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)  # certificates for the alerting TLS tests
if [ "${#missing[@]}" -gt 0 ]; then
    echo "apt: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq -o DPkg::Lock::Timeout=600
    $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
else
    echo "apt: chromium, chromium-driver, victoria-metrics, zlib1g-dev already installed"
fi
if ! python3 -c 'import selenium, pytest, requests' >/dev/null 2>&1; then
    echo "pip: installing selenium pytest requests"
    python3 -m pip install -q --disable-pip-version-check selenium pytest requests
else
    echo "pip: selenium, pytest, requests already installed"
fi
if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    echo "pip: installing aiosmtpd (the SMTP sink of the alerting tests)"
    python3 -m pip install -q --disable-pip-version-check aiosmtpd
else
    echo "pip: aiosmtpd already installed"
fi
if ! python3 -c 'import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http' >/dev/null 2>&1; then
    echo "pip: installing opentelemetry-sdk opentelemetry-exporter-otlp-proto-http"
    python3 -m pip install -q --disable-pip-version-check opentelemetry-sdk opentelemetry-exporter-otlp-proto-http
else
    echo "pip: opentelemetry-sdk, opentelemetry-exporter-otlp-proto-http already installed"
fi

section "Build (swift build --build-tests)"
swift build --build-tests

section "Swift tests (swift test --skip-build)"
# Serial: the load generator's timing tests measure real latencies and must not share the two
# cores with every other suite.
swift test --skip-build --no-parallel

section "Fuzz targets (scripts/fuzz.sh)"
# Every parser under libFuzzer for 15 s from its committed seed corpus; fails on any crash.
bash scripts/fuzz.sh --seconds-per-target 15

section "Build the swift-otel e2e client (Tests/swift-otel-client)"
swift build --package-path Tests/swift-otel-client --scratch-path .build-otel-client

section "End-to-end tests (pytest Tests/e2e)"
PERFWATCH_REQUIRE_SWIFT_OTEL=1 python3 -m pytest -q Tests/e2e

section "Benchmark smoke run (Benchmarks/run.sh --smoke)"
bash Benchmarks/run.sh --smoke

section "All steps passed"
